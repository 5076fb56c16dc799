"""An outside CloudEvents producer written with the CloudEvents JavaScript SDK
(web/e2e/producer.mjs) asks for tasks through POST /api/events with a personal access token, in
binary and structured mode: in `taskflow dev` and in `taskflow cluster`. A token with only
tasks:read is refused, naming the scope it lacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import BIN, ROOT, Cluster, Servers, clean_environment, free_port
from tests.support import PASSWORD

WEB = ROOT / "web"
PRODUCER = WEB / "e2e" / "producer.mjs"
PRODUCER_TIMEOUT_SECONDS = 60


def _node() -> str:
    """node's path; a clear failure (never a skip) naming what installs anything missing."""
    node = shutil.which("node")
    needs = {
        "Node.js 20, which `.ci/run` requires": node is not None,
        "web/node_modules with the cloudevents SDK: `make web` (runs `npm ci` in web/)": (
            WEB / "node_modules" / "cloudevents" / "package.json"
        ).is_file(),
    }
    missing = [need for need, present in needs.items() if not present]
    if missing:
        pytest.fail("the producer test needs: " + "; ".join(missing), pytrace=False)
    assert node is not None
    return node


def _produce(base_url: str, token: str, project_id: str, title: str) -> dict[str, dict[str, Any]]:
    """What the SDK producer was answered, by mode (binary, structured)."""
    ran = subprocess.run(
        [_node(), str(PRODUCER), base_url, token, project_id, title],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=PRODUCER_TIMEOUT_SECONDS,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    lines = [json.loads(line) for line in ran.stdout.splitlines() if line.strip()]
    return {line["mode"]: line for line in lines}


def _token(client: httpx.Client, session: dict[str, str], scopes: list[str]) -> str:
    created = client.post(
        "/api/auth/tokens", json={"name": f"producer {scopes}", "scopes": scopes}, headers=session
    )
    assert created.status_code == 201, created.text
    token: str = created.json()["token"]
    return token


def _sdk_producer_creates_tasks_with_a_token(client: httpx.Client) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    registered = client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Ada"}
    )
    assert registered.status_code == 201, registered.text
    client.cookies.clear()
    ada = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    ada_id = client.get("/api/auth/me", headers=ada).json()["id"]
    project = client.post("/api/projects", json={"name": "Orders"}, headers=ada)
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]
    base_url = str(client.base_url)

    answers = _produce(base_url, _token(client, ada, ["events:write"]), project_id, "Ship order")
    assert set(answers) == {"binary", "structured"}
    for mode, answer in answers.items():
        assert answer["status"] == 200, answer
        assert answer["type"] == "com.taskflow.task.created"
        task = client.get(f"/api/tasks/{answer['task_id']}", headers=ada)
        assert task.status_code == 200, task.text
        assert (task.json()["title"], task.json()["priority"]) == (f"Ship order ({mode})", "high")
        assert task.json()["project_id"] == project_id
        assert task.json()["creator_id"] == ada_id

    refused = _produce(base_url, _token(client, ada, ["tasks:read"]), project_id, "Not this")
    for answer in refused.values():
        assert answer["status"] == 403, answer
        assert answer["problem"]["missing_scope"] == "events:write"
        assert "events:write" in answer["problem"]["detail"]
    listed = client.get("/api/tasks", params={"project_id": project_id}, headers=ada)
    assert listed.status_code == 200, listed.text
    assert sorted(task["title"] for task in listed.json()["items"]) == [
        "Ship order (binary)",
        "Ship order (structured)",
    ]


def test_the_js_sdk_producer_creates_tasks_with_a_token_in_the_embedded_mode(
    servers: Servers, tmp_path: Path
) -> None:
    _node()
    port = free_port()
    env = clean_environment(TASKFLOW_DATA_DIR=str(tmp_path / "data"))
    server = servers.start(
        "taskflow-dev", [str(BIN / "taskflow"), "dev", "--port", str(port)], port, env
    )
    with server.client() as client:
        _sdk_producer_creates_tasks_with_a_token(client)


def test_the_js_sdk_producer_creates_tasks_with_a_token_through_the_cluster(
    cluster: Cluster,
) -> None:
    _node()
    with httpx.Client(base_url=cluster.server.base_url, timeout=30) as client:
        _sdk_producer_creates_tasks_with_a_token(client)
