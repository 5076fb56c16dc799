"""Real TaskFlow processes on free loopback ports, stopped (with their children) after each test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
STARTUP_DEADLINE_SECONDS = 60.0
POLL_INTERVAL_SECONDS = 0.05


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(**settings: str) -> dict[str, str]:
    """This shell's environment without any TaskFlow or functions-framework setting, plus these."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TASKFLOW_", "FUNCTION_"))
    }
    return {**inherited, **settings}


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    # How long it may take to stop before it is killed (a whole cluster takes a while).
    stop_timeout: float = 15.0

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)


class Servers:
    """Starts processes, waits until they answer, and stops every one it started."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[Server] = []

    def start(
        self,
        name: str,
        command: list[str],
        port: int,
        env: Mapping[str, str],
        ready_path: str = "/healthz",
        ready_status: int = 200,
        stop_timeout: float = 15.0,
    ) -> Server:
        log = self.logs / f"{name}.log"
        with log.open("wb") as sink:
            # A session of its own: stopping the group also stops gunicorn's worker.
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=dict(env),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(name, process, f"http://127.0.0.1:{port}", log, stop_timeout)
        self.started.append(server)
        self._wait_until_answering(server, ready_path, ready_status)
        return server

    def _wait_until_answering(self, server: Server, path: str, status: int) -> None:
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        last = "no answer yet"
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                pytest.fail(
                    f"{server.name} exited with {server.process.returncode}:\n{server.output()}"
                )
            try:
                response = httpx.get(server.base_url + path, timeout=2)
                if response.status_code == status:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.TransportError as exc:
                last = repr(exc)
            time.sleep(POLL_INTERVAL_SECONDS)  # the interval between polls, not a wait for a state
        pytest.fail(f"{server.name} did not answer {path} in time ({last}):\n{server.output()}")

    def stop_all(self) -> None:
        for server in self.started:
            self.stop(server)

    @staticmethod
    def stop(server: Server) -> None:
        # The whole group, even if its leader is gone: a worker may have outlived it.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(server.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.process.wait(timeout=server.stop_timeout)
                break
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()
