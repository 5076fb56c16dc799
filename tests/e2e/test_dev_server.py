"""`taskflow dev` as a newcomer runs it: one process over real HTTP, embedded or on servers."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from functions.core.settings import Settings
from tests.e2e.conftest import BIN, Server, Servers, clean_environment, free_port
from tests.support import PASSWORD


def _start_dev(servers: Servers, name: str, env: dict[str, str]) -> Server:
    port = free_port()
    return servers.start(name, [str(BIN / "taskflow"), "dev", "--port", str(port)], port, env)


def _round_trip(client: httpx.Client) -> dict[str, str]:
    """Register, sign in, create a project and a task, and find the task in the list."""
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    registered = client.post(
        "/api/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": "Newcomer"},
    )
    assert registered.status_code == 201, registered.text
    assert "taskflow_refresh=" in registered.headers["set-cookie"]

    login = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    projects = client.get("/api/projects", headers=headers).json()["items"]
    assert [p["name"] for p in projects] == ["Inbox"]
    project = client.post("/api/projects", json={"name": "Garden"}, headers=headers)
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]

    task = client.post(
        "/api/tasks",
        json={"project_id": project_id, "title": "Plant tomatoes", "labels": ["spring"]},
        headers=headers,
    )
    assert task.status_code == 201, task.text

    listed = client.get("/api/tasks", params={"project_id": project_id}, headers=headers)
    assert listed.status_code == 200, listed.text
    assert [t["title"] for t in listed.json()["items"]] == ["Plant tomatoes"]
    return {"task_id": task.json()["id"], "email": email}


def test_the_embedded_mode_needs_nothing_installed_and_keeps_its_data_in_one_folder(
    servers: Servers, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()  # see the test below for a folder that does not exist yet
    env = clean_environment(TASKFLOW_DATA_DIR=str(data_dir))
    server = _start_dev(servers, "taskflow-dev-embedded", env)
    with server.client() as client:
        _round_trip(client)
        assert client.get("/").status_code == 200
        assert client.get("/api/docs").status_code == 200
        document = client.get("/api/openapi.json").json()
        assert "/api/tasks/{task_id}" in document["paths"]
    assert "TaskFlow is running at http://127.0.0.1:" in server.output()
    assert "embedded stand-ins" in server.output()
    assert (data_dir / "taskflow.db").is_file()
    assert (data_dir / "signing-key.pem").is_file()


def test_the_embedded_mode_keeps_accounts_across_a_restart(
    servers: Servers, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    env = clean_environment(TASKFLOW_DATA_DIR=str(tmp_path / "data"))
    first = _start_dev(servers, "taskflow-dev-first", env)
    with first.client() as client:
        email = _round_trip(client)["email"]
    servers.stop(first)

    second = _start_dev(servers, "taskflow-dev-second", env)
    with second.client() as client:
        login = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        titles = [t["title"] for t in client.get("/api/tasks", headers=headers).json()["items"]]
    assert titles == ["Plant tomatoes"]


def test_the_embedded_mode_starts_in_a_fresh_checkout_without_a_data_folder(
    servers: Servers, tmp_path: Path
) -> None:
    env = clean_environment(TASKFLOW_DATA_DIR=str(tmp_path / "not-yet" / "data"))
    server = _start_dev(servers, "taskflow-dev-fresh", env)
    with server.client() as client:
        _round_trip(client)


@pytest.mark.postgres
@pytest.mark.redis
def test_the_dev_server_runs_on_real_postgresql_and_redis_when_given_their_urls(
    servers: Servers, pg_settings: Settings, postgres_url: str, tmp_path: Path
) -> None:
    assert pg_settings.redis_url
    env = clean_environment(
        TASKFLOW_DATABASE_URL=postgres_url,
        TASKFLOW_REDIS_URL=pg_settings.redis_url,
        TASKFLOW_REDIS_PREFIX=pg_settings.redis_prefix,
        TASKFLOW_DATA_DIR=str(tmp_path / "data"),
    )
    server = _start_dev(servers, "taskflow-dev-servers", env)
    with server.client() as client:
        task_id = _round_trip(client)["task_id"]
    assert "configured servers" in server.output()
    assert not (tmp_path / "data" / "taskflow.db").exists()
    with psycopg.connect(postgres_url.replace("+psycopg", "")) as conn:
        row = conn.execute("SELECT title FROM tasks WHERE id = %s", (task_id,)).fetchone()
    assert row == ("Plant tomatoes",)
