"""What the benchmarks run against: the real PostgreSQL and Redis, a database and key prefix of
their own (removed afterwards), and a signed-in user whose project holds some tasks.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
import psycopg
from redis import Redis

from functions.core import migrate
from functions.core.security.keys import new_private_key_pem

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("TASKFLOW_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TASKFLOW_BENCH_REDIS", "redis://127.0.0.1:6379/0")
START_DEADLINE_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def function_command(target: str, port: int) -> list[str]:
    """A lone function as Knative runs it: the image's server (`python -m functions.serve`)."""
    return [
        sys.executable,
        "-m",
        "functions.serve",
        "--target",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def framework_command(target: str, port: int, source: str) -> list[str]:
    """A floor's function served by `functions-framework --asgi` (gunicorn + a uvicorn worker)."""
    return [
        str(BIN / "functions-framework"),
        "--asgi",
        "--target",
        target,
        "--source",
        source,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def gateway_command(port: int) -> list[str]:
    return [str(BIN / "taskflow"), "dev", "--host", "127.0.0.1", "--port", str(port)]


def precompile() -> None:
    """Compile our own modules to bytecode once, as the image does (`python -m compileall`).

    This environment sets PYTHONDONTWRITEBYTECODE, so without this every start would
    recompile TaskFlow's sources and measure the compiler instead of the start.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "functions", "events", "bench"],
        cwd=ROOT,
        check=True,
    )


@dataclass
class Process:
    """A started server; `stop` ends its whole process group (gunicorn's worker too)."""

    popen: subprocess.Popen[bytes]
    log: Path
    base_url: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 15.0) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                continue


def start(command: Sequence[str], port: int, env: dict[str, str], log: Path) -> Process:
    with log.open("wb") as sink:
        popen = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(popen, log, f"http://127.0.0.1:{port}")


def wait_for_ok(
    process: Process, path: str, headers: dict[str, str] | None = None, started: float = 0.0
) -> float:
    """Poll until `path` answers 200; the seconds since `started` (or since now)."""
    began = started or time.perf_counter()
    with httpx.Client(base_url=process.base_url, headers=headers or {}, timeout=30) as client:
        while True:
            try:
                if client.get(path).status_code == 200:
                    return time.perf_counter() - began
            except httpx.TransportError:
                pass
            if process.popen.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{process.output()}")
            if time.perf_counter() - began > START_DEADLINE_SECONDS:
                raise RuntimeError(f"no 200 from {path} in time:\n{process.output()}")
            time.sleep(0.002)  # the polling interval


@dataclass
class Stack:
    """A database and a Redis prefix of the benchmark's own, with a seeded, signed-in user."""

    tasks: int = 50
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="taskflow-bench-")))
    access_token: str = ""
    # What the same-stack floors are told (they verify nothing, so they cannot find it out).
    user_id: str = ""
    project_id: str = ""
    task_id: str = ""

    @property
    def database(self) -> str:
        return f"taskflow_bench_{self.run_id}"

    @property
    def database_url(self) -> str:
        base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}/{self.database}"

    @property
    def redis_prefix(self) -> str:
        return f"taskflow-bench-{self.run_id}:"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def env(self) -> dict[str, str]:
        """Production settings on the real servers, as an operator would give each function."""
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("TASKFLOW_", "FUNCTION_"))
        }
        return {
            **inherited,
            "TASKFLOW_ENV": "prod",
            "TASKFLOW_DATABASE_URL": self.database_url,
            "TASKFLOW_REDIS_URL": REDIS_URL,
            "TASKFLOW_REDIS_PREFIX": self.redis_prefix,
            "TASKFLOW_JWT_PRIVATE_KEY": self.key_pem,
            "TASKFLOW_DATA_DIR": str(self.workdir / "data"),
        }

    def __enter__(self) -> Stack:
        self.key_pem = new_private_key_pem().decode()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        migrate.upgrade(self.database_url)
        self._seed()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        client = Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=self.redis_prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
        # Server logs end up in the errors raised above; nothing here is worth keeping.
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _seed(self) -> None:
        """A user with a project of `tasks` tasks, made through the API like any other."""
        port = free_port()
        gateway = start(gateway_command(port), port, self.env(), self.workdir / "seed.log")
        try:
            wait_for_ok(gateway, "/healthz")
            with httpx.Client(base_url=gateway.base_url, timeout=30) as api:
                registered = api.post(
                    "/api/auth/register",
                    json={
                        "email": f"bench-{self.run_id}@example.com",
                        "password": "a benchmark password",
                        "display_name": "Bench",
                    },
                )
                registered.raise_for_status()
                self.access_token = registered.json()["access_token"]
                me = api.get("/api/auth/me", headers=self.auth)
                me.raise_for_status()
                self.user_id = me.json()["id"]
                project = api.post("/api/projects", json={"name": "Bench"}, headers=self.auth)
                project.raise_for_status()
                self.project_id = project.json()["id"]
                for number in range(self.tasks):
                    created = api.post(
                        "/api/tasks",
                        json={
                            "project_id": project.json()["id"],
                            "title": f"Task {number}",
                            "description": "Some words about the task " * 4,
                            "labels": ["bench", f"group-{number % 5}"],
                            "priority": ("low", "medium", "high", "urgent")[number % 4],
                        },
                        headers=self.auth,
                    )
                    created.raise_for_status()
                    self.task_id = self.task_id or created.json()["id"]
        finally:
            gateway.stop()


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """A RabbitMQ vhost of the benchmark's own (rabbitmqctl, as root); its AMQP URL. Removed
    afterwards with everything in it."""
    name = f"taskflow-bench-{secrets.token_hex(4)}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True)
    try:
        subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
            check=True,
        )
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False)


def summary(samples_ms: Sequence[float]) -> tuple[float, float, float]:
    return statistics.median(samples_ms), min(samples_ms), max(samples_ms)
