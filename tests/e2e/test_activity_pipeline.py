"""A change reaches its task's history through the real pipeline: the outbox, the relay,
RabbitMQ, the dispatcher and record_activity's own process, in `taskflow cluster`."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from tests.e2e.conftest import Cluster
from tests.support import PASSWORD

ARRIVAL_DEADLINE_SECONDS = 30.0


def _history(client: httpx.Client, headers: dict[str, str], task_id: str, count: int) -> Any:
    """The task's history once it holds `count` entries (they arrive a moment after each change)."""
    deadline = time.monotonic() + ARRIVAL_DEADLINE_SECONDS
    while True:
        response = client.get(f"/api/tasks/{task_id}/activity", headers=headers)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        if len(items) >= count or time.monotonic() > deadline:
            return items
        time.sleep(0.1)


def test_taskflow_cluster_records_each_change_in_the_tasks_history(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.server.base_url, timeout=30) as client:
        email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
        registered = client.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Ada"},
        )
        assert registered.status_code == 201, registered.text
        client.cookies.clear()
        ada = {"Authorization": f"Bearer {registered.json()['access_token']}"}
        project = client.post("/api/projects", json={"name": "Launch"}, headers=ada).json()
        created = client.post(
            "/api/tasks", json={"project_id": project["id"], "title": "Book the venue"}, headers=ada
        )
        assert created.status_code == 201, created.text
        task_id = created.json()["id"]
        moved = client.patch(f"/api/tasks/{task_id}", json={"status": "done"}, headers=ada)
        assert moved.status_code == 200, moved.text

        items = _history(client, ada, task_id, 2)

    assert [(e["actor_name"], e["kind"], e["changes"]) for e in items] == [
        ("Ada", "status_changed", [{"field": "status", "before": "todo", "after": "done"}]),
        ("Ada", "created", []),
    ]
