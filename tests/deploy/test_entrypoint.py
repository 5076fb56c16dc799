"""The image's entrypoint, run outside a container with the project's environment on PATH."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from functions.cluster import plan
from tests.e2e.conftest import BIN, ROOT, clean_environment, free_port

ENTRYPOINT = ROOT / "functions" / "deploy" / "entrypoint.sh"
EX_USAGE = 64
START_DEADLINE_SECONDS = 60.0


def _environment(**settings: str) -> dict[str, str]:
    env = clean_environment(**settings)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_entrypoint_is_an_executable_posix_script() -> None:
    assert os.access(ENTRYPOINT, os.X_OK), "COPY keeps the mode the file is committed with"
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    checked = subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_it_serves_the_function_target_on_port_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = _environment(
        FUNCTION_TARGET="healthz",
        PORT=str(port),
        HOST="127.0.0.1",
        TASKFLOW_ENV="dev",
        TASKFLOW_DATA_DIR=str(tmp_path),
    )
    log = tmp_path / "entrypoint.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(ENTRYPOINT)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}
        # exec: the script's own process is the server, so the signal goes straight to it.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _fake_python(tmp_path: Path) -> Path:
    """A stand-in `python` that only prints the command line it was given."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir(exist_ok=True)
    fake = fake_bin / "python"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    return fake_bin


def test_it_serves_the_function_with_the_server_taskflow_cluster_uses(tmp_path: Path) -> None:
    env = _environment(FUNCTION_TARGET="list_tasks", PORT="9123")
    env["PATH"] = f"{_fake_python(tmp_path)}{os.pathsep}{env['PATH']}"
    ran = subprocess.run(
        [str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30, check=True
    )
    served = ran.stdout.splitlines()
    # Every address by default: a container's only way in.
    container = "0.0.0.0"  # noqa: S104
    assert served == [
        *("-m", "functions.serve", "--target", "list_tasks"),
        *("--host", container, "--port", "9123"),
    ]
    (functions,) = (p for p in plan("127.0.0.1", 8000, 9000, tmp_path) if p.name == "functions")
    assert functions.command[1:3] == served[:2], "the same server as `taskflow cluster`"


@pytest.mark.parametrize("target", [None, "", "list-tasks", "nothing"])
def test_it_refuses_to_start_without_a_known_function_target(target: str | None) -> None:
    env = _environment() if target is None else _environment(FUNCTION_TARGET=target)
    ran = subprocess.run([str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30)
    assert ran.returncode == EX_USAGE
    assert "FUNCTION_TARGET" in ran.stderr
    assert "list_tasks" in ran.stderr, "the message names the functions there are"
    assert "Traceback" not in ran.stderr


def test_with_arguments_it_runs_that_taskflow_command(tmp_path: Path) -> None:
    database = tmp_path / "taskflow.db"
    env = _environment(
        TASKFLOW_ENV="dev",
        TASKFLOW_DATA_DIR=str(tmp_path),
        TASKFLOW_DATABASE_URL=f"sqlite:///{database}",
    )
    ran = subprocess.run(
        [str(ENTRYPOINT), "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert "the database schema is current" in ran.stdout
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "users", "tasks"} <= tables
