"""Single functions served as the image serves them, as Knative runs them, over real HTTP:
`python -m functions.serve` (functions-framework's ASGI app under uvicorn)."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import httpx
from httpx import AsyncClient

from functions.core.settings import Settings
from tests.e2e.conftest import (
    BIN,
    Server,
    Servers,
    clean_environment,
    free_port,
    free_port_block,
)
from tests.support import assert_problem, signup


def _function_command(target: str, port: int) -> list[str]:
    return [
        str(BIN / "python"),
        "-m",
        "functions.serve",
        "--target",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def _settings_environment(settings: Settings, data_dir: Path) -> dict[str, str]:
    """What an operator sets for a function: the test servers, this run's prefix and key."""
    assert settings.database_url is not None
    assert settings.redis_url is not None
    assert settings.jwt_private_key is not None
    return clean_environment(
        TASKFLOW_ENV="test",
        TASKFLOW_DATABASE_URL=settings.database_url,
        TASKFLOW_REDIS_URL=settings.redis_url,
        TASKFLOW_REDIS_PREFIX=settings.redis_prefix,
        TASKFLOW_JWT_PRIVATE_KEY=settings.jwt_private_key,
        TASKFLOW_DATA_DIR=str(data_dir),
    )


def _serve(servers: Servers, target: str, env: dict[str, str], ready_status: int = 200) -> Server:
    """A function process, up once it answers; a lone function serves every path itself."""
    port = free_port()
    command = _function_command(target, port)
    return servers.start(target, command, port, env, ready_status=ready_status)


def test_the_healthz_function_serves_liveness_with_nothing_configured_but_dev(
    servers: Servers, tmp_path: Path
) -> None:
    env = clean_environment(TASKFLOW_ENV="dev", TASKFLOW_DATA_DIR=str(tmp_path))
    server = _serve(servers, "healthz", env)
    with server.client() as client:
        response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response.headers["content-type"] == "application/json"


async def test_the_get_me_function_knows_a_user_signed_in_elsewhere(
    servers: Servers, api: AsyncClient, pg_settings: Settings, tmp_path: Path
) -> None:
    # Signed in through the gateway; verified by a separate process holding only the same key.
    user = await signup(api, "operator")
    env = _settings_environment(pg_settings, tmp_path)
    server = _serve(servers, "get_me", env)
    async with AsyncClient(base_url=server.base_url) as client:
        me = await client.get("/api/auth/me", headers=user.headers)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == user.email
        anonymous = await client.get("/api/auth/me")
    assert_problem(anonymous, 401)


async def test_the_list_tasks_function_lists_a_users_tasks_from_postgresql(
    servers: Servers, api: AsyncClient, pg_settings: Settings, tmp_path: Path
) -> None:
    user = await signup(api, "lister")
    projects = (await api.get("/api/projects", headers=user.headers)).json()
    inbox = projects["items"][0]["id"]
    created = await api.post(
        "/api/tasks", json={"project_id": inbox, "title": "From the gateway"}, headers=user.headers
    )
    assert created.status_code == 201, created.text

    env = _settings_environment(pg_settings, tmp_path)
    server = _serve(servers, "list_tasks", env)
    async with AsyncClient(base_url=server.base_url) as client:
        listed = await client.get("/api/tasks", headers=user.headers)
    assert listed.status_code == 200, listed.text
    assert [t["title"] for t in listed.json()["items"]] == ["From the gateway"]


def test_a_function_without_its_settings_answers_with_a_problem_and_logs_what_is_missing(
    servers: Servers, tmp_path: Path
) -> None:
    # Outside dev, nothing configured: the process starts (no I/O at import), and the first
    # request tells the operator which variables to set.
    env = clean_environment(TASKFLOW_DATA_DIR=str(tmp_path))
    server = _serve(servers, "healthz", env, ready_status=500)
    with server.client() as client:
        response = client.get("/healthz")
    assert response.status_code >= 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "TASKFLOW_DATABASE_URL" in server.output()


async def test_every_function_answers_its_probe_and_refuses_methods_its_routes_do_not_take(
    servers: Servers, pg_settings: Settings, tmp_path: Path
) -> None:
    # Knative probes each Service at /healthz; a lone process must not act on other methods.
    server = _serve(servers, "delete_task", _settings_environment(pg_settings, tmp_path))
    async with AsyncClient(base_url=server.base_url) as client:
        probe = await client.get("/healthz")
        wrong_method = await client.get("/api/tasks/0b5a3c9e-6f7d-4a61-9d0e-2f1b7c8a9e10")
    assert probe.status_code == 200
    assert probe.json() == {"status": "ok"}
    assert_problem(wrong_method, 405)
    assert wrong_method.headers["allow"] == "DELETE"


def test_one_process_forks_each_function_on_its_port_and_forks_again_one_that_dies(
    servers: Servers, tmp_path: Path
) -> None:
    # What `taskflow cluster` runs: every function imported once, then one process each.
    first = free_port_block(2)
    ports = {"healthz": first, "jwks": first + 1}
    env = clean_environment(TASKFLOW_ENV="dev", TASKFLOW_DATA_DIR=str(tmp_path))
    command = [str(BIN / "python"), "-m", "functions.serve", "--host", "127.0.0.1"]
    command += [part for target, port in ports.items() for part in ("--each", f"{target}={port}")]
    server = servers.start("functions", command, ports["healthz"], env)
    with httpx.Client(timeout=5) as client:
        keys = client.get(f"http://127.0.0.1:{ports['jwks']}/.well-known/jwks.json")
        assert keys.status_code == 200, keys.text
        assert keys.json()["keys"]

        started = _started(server.output())
        assert set(started) == set(ports)
        assert started["jwks"] != started["healthz"] != server.process.pid
        os.kill(started["jwks"], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _started(server.output())["jwks"] == started["jwks"] or not _answers(
            client, ports["jwks"]
        ):
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)  # the polling interval
        assert _answers(client, ports["healthz"]), "the others never noticed"

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0, server.output()
    for port in ports.values():
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0


def _started(output: str) -> dict[str, int]:
    """Each function's newest process, as the forking process reported it."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return {
        line["function"]: line["pid"] for line in lines if line.get("message") == "function started"
    }


def _answers(client: httpx.Client, port: int) -> bool:
    try:
        return client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    except httpx.TransportError:
        return False
