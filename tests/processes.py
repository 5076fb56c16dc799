"""Real TaskFlow processes on loopback ports: started, waited for while they make progress, and
stopped with their children; and one `taskflow cluster` that several tests share."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from functions.cluster import function_ports

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
# A start fails only once it has stalled: no new answer and no new log line for this long.
STALL_SECONDS = 60.0
# However busy the machine, a start still making progress after this long has gone wrong.
START_LIMIT_SECONDS = 600.0
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
        self.wait_until_all_answer(server, {server.name: server.base_url + path}, status)

    def wait_until_all_answer(
        self, server: Server, urls: Mapping[str, str], status: int = 200
    ) -> None:
        """Wait while the start makes progress (another URL answers, the log grows); fail once
        it has made none for STALL_SECONDS, so a busy machine is slow but never fails it."""
        waiting = dict(urls)
        last: dict[str, str] = dict.fromkeys(waiting, "no answer yet")
        logged = 0
        progressed = started = time.monotonic()
        with httpx.Client(timeout=2) as client:
            while waiting:
                if server.process.poll() is not None:
                    pytest.fail(
                        f"{server.name} exited with {server.process.returncode}:\n{server.output()}"
                    )
                for name, url in list(waiting.items()):
                    try:
                        response = client.get(url)
                        if response.status_code == status:
                            del waiting[name]
                            progressed = time.monotonic()
                            continue
                        last[name] = f"{response.status_code} {response.text[:200]}"
                    except httpx.TransportError as exc:
                        last[name] = repr(exc)
                size = server.log.stat().st_size
                if size > logged:
                    logged, progressed = size, time.monotonic()
                now = time.monotonic()
                if waiting and (
                    now - progressed > STALL_SECONDS or now - started > START_LIMIT_SECONDS
                ):
                    silent = "; ".join(f"{name}: {last[name]}" for name in waiting)
                    pytest.fail(
                        f"{server.name} stopped making progress after {now - started:.0f} s, "
                        f"still not answering: {silent}\n{server.output()}"
                    )
                if waiting:
                    time.sleep(POLL_INTERVAL_SECONDS)  # between polls, not a wait for a state

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


# Below Linux's ephemeral range, where a busy run's client sockets in TIME_WAIT leave no block.
PORT_BLOCKS = range(20000, 32000)


def free_port_block(size: int) -> int:
    """A first port such that the `size` ports from it are all free now for a server."""
    for _ in range(200):
        base = random.randrange(PORT_BLOCKS.start, PORT_BLOCKS.stop - size)
        probes: list[socket.socket] = []
        try:
            for port in range(base, base + size):
                probe = socket.socket()
                probes.append(probe)
                # As the servers bind: only a port something listens on is taken.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no block of free ports")


@dataclass
class Cluster:
    """A running `taskflow cluster`: its gateway, supervisord's configuration, its first port."""

    server: Server
    config: Path
    base_port: int

    def function_urls(self) -> dict[str, str]:
        return {
            target: f"http://127.0.0.1:{port}"
            for target, port in function_ports(self.base_port).items()
        }


class SharedCluster:
    """One `taskflow cluster` for every test that needs one (some ninety processes take most of
    a minute to start); started on first use, and again if a test stopped it on purpose."""

    def __init__(self, servers: Servers, data: pytest.TempPathFactory, env: dict[str, str]):
        self.servers = servers
        self.data = data
        self.env = env
        self.current: Cluster | None = None
        self.starts = 0

    def get(self) -> Cluster:
        if self.current is None or self.current.server.process.poll() is not None:
            self.current = self._start()
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.servers.stop(self.current.server)
            self.current = None

    def _start(self) -> Cluster:
        self.starts += 1
        base_port = free_port_block(len(function_ports(0)))
        port = free_port()
        data_dir = self.data.mktemp("cluster-data")
        command = [
            str(BIN / "taskflow"),
            "cluster",
            "--port",
            str(port),
            "--base-port",
            str(base_port),
        ]
        env = {**self.env, "TASKFLOW_DATA_DIR": str(data_dir)}
        # supervisord stops some ninety processes on SIGTERM; it must finish, or they outlive it.
        server = self.servers.start(f"cluster-{self.starts}", command, port, env, stop_timeout=90)
        cluster = Cluster(server, data_dir / "cluster" / "supervisord.conf", base_port)
        # Every function answers its probe before any test begins.
        urls = {target: url + "/healthz" for target, url in cluster.function_urls().items()}
        self.servers.wait_until_all_answer(server, urls)
        return cluster
