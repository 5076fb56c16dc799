"""The soak's faults: each breaks one part of the running system on purpose and restores it, on
this machine's own servers (root is needed: the soak runs them as `.ci/run` starts them).

A fault's window runs from the moment before it is injected until the part answers again, plus
GRACE_SECONDS: the time the others take to notice (a pooled connection found dead on its next
use, a reconnect's backoff, a restarted process's start). Requests may fail inside a window,
never outside one.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import psycopg
import redis

from tests.soak.ledger import Window

GRACE_SECONDS: Final = 5.0
WAIT_SECONDS: Final = 120.0
# The event functions the dispatcher delivers to (one is killed at a time).
EVENT_FUNCTIONS: Final = ("deliver_notification", "record_activity", "publish_change")


def _run(*command: str, timeout: float = WAIT_SECONDS) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=timeout)


def _until(what: str, healthy: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not healthy():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come back within {WAIT_SECONDS:g} s")
        time.sleep(0.2)  # between polls of a restarting server


def missing_tools() -> list[str]:
    """What the faults need that this machine lacks (the soak is skipped, saying which)."""
    needed = ("rabbitmqctl", "pg_ctlcluster", "pg_lsclusters", "redis-server", "pg_isready")
    missing = [tool for tool in needed if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("root (to restart the servers)")
    return missing


@dataclass
class Servers:
    """This machine's PostgreSQL cluster, Redis and RabbitMQ, as the faults restart them."""

    postgres_admin_url: str
    database: str
    redis_url: str

    def postgres_answers(self) -> bool:
        return (
            subprocess.run(
                ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False
            ).returncode
            == 0
        )

    def restart_postgres(self) -> None:
        version, cluster = _postgres_cluster()
        _run(
            "pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart", "-m", "fast"
        )
        _until("PostgreSQL", self.postgres_answers)

    def terminate_backends(self) -> None:
        with psycopg.connect(self.postgres_admin_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            )

    def restart_rabbitmq(self) -> None:
        _run("rabbitmqctl", "-q", "stop_app")
        _run("rabbitmqctl", "-q", "start_app")
        _run("rabbitmqctl", "-q", "await_startup")

    def restart_redis(self) -> None:
        """Stopped with its data saved and started again with the same settings, as a Redis
        that keeps its data restarts (this machine's keeps nothing on disk otherwise)."""
        client = redis.Redis.from_url(self.redis_url)
        config = {
            name: str(client.config_get(name)[name])
            for name in ("bind", "port", "dir", "save", "appendonly", "dbfilename")
        }
        dump = Path(config["dir"]) / config["dbfilename"]
        with contextlib.suppress(redis.ConnectionError):  # it hangs up as it stops
            client.shutdown(save=True)
        command = ["redis-server", "--daemonize", "yes"]
        for name, value in config.items():
            command += [f"--{name}", *(value.split() if name == "bind" else [value])]
        _run(*command)
        _until("Redis", lambda: _redis_answers(self.redis_url))
        dump.unlink(missing_ok=True)  # read at start; nothing of it is wanted afterwards


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _postgres_cluster() -> tuple[str, str]:
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
    ).stdout.split()
    return listed[0], listed[1]


@dataclass
class Cluster:
    """The `taskflow cluster` under test: its supervisord configuration and its log."""

    config: Path
    log: Callable[[], str]

    def kill_program(self, name: str) -> None:
        """SIGKILL one program supervisord runs (it starts it again)."""
        pid = subprocess.run(
            [
                str(Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "supervisorctl"),
                "-c",
                str(self.config),
                "pid",
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        os.kill(int(pid), signal.SIGKILL)

    def kill_function(self, target: str) -> None:
        """SIGKILL the process serving `target` (the process it was forked from forks it again)."""
        started = [
            line["pid"]
            for line in _json_lines(self.log())
            if line.get("message") == "function started" and line.get("function") == target
        ]
        os.kill(int(str(started[-1])), signal.SIGKILL)


def _json_lines(output: str) -> list[dict[str, object]]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


Fault = Callable[[], None]


def faults(servers: Servers, cluster: Cluster, rng: random.Random) -> dict[str, Fault]:
    return {
        "rabbitmq restarted": servers.restart_rabbitmq,
        "postgres backends terminated": servers.terminate_backends,
        "postgres restarted": servers.restart_postgres,
        "redis restarted": servers.restart_redis,
        "relay killed": lambda: cluster.kill_program("pipeline:relay"),
        "dispatcher killed": lambda: cluster.kill_program("pipeline:dispatch"),
        "event function killed": lambda: cluster.kill_function(rng.choice(EVENT_FUNCTIONS)),
    }


@dataclass
class ChaosLoop:
    """Injects one fault at a time until stopped: every kind once, in a random order, then
    again, so even a short run tries each. After each fault's window a quiet spell of random
    length follows, in which nothing may fail."""

    faults: dict[str, Fault]
    rng: random.Random
    quiet: tuple[float, float] = (0.5, 2.5)
    grace: float = GRACE_SECONDS
    windows: list[Window] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="chaos", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop injecting; a fault under way is restored first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=WAIT_SECONDS + 30)

    def _loop(self) -> None:
        while True:
            names = list(self.faults)
            self.rng.shuffle(names)
            for name in names:
                if self._stop.wait(self.rng.uniform(*self.quiet)):
                    return
                start = time.monotonic()
                try:
                    self.faults[name]()
                except Exception as exc:  # reported: a fault that could not be injected
                    self.errors.append(f"{name}: {exc!r}")
                self.windows.append(Window(name, start, time.monotonic() + self.grace))
                if self._stop.wait(self.grace):
                    return
