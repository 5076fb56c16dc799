"""A calendar feed over real HTTP, as a calendar app reads it: in `taskflow dev` with nothing
installed, and in `taskflow cluster`, where a change reaches `refresh_calendars` through the
outbox, the relay, RabbitMQ and the dispatcher, and the next fetch shows it."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import vobject

from tests.e2e.conftest import BIN, Cluster, Servers, clean_environment, free_port
from tests.support import PASSWORD

ARRIVAL_DEADLINE_SECONDS = 30.0


def _summaries(client: httpx.Client, path: str) -> list[str]:
    response = client.get(path)  # no token: the URL is the secret
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = vobject.readOne(response.text)
    return [event.summary.value for event in calendar.contents.get("vevent", [])]


def _shown_within_deadline(client: httpx.Client, path: str, summaries: list[str]) -> list[str]:
    """The feed's summaries once they are `summaries` (a change arrives a moment after it)."""
    deadline = time.monotonic() + ARRIVAL_DEADLINE_SECONDS
    while True:
        shown = _summaries(client, path)
        if shown == summaries or time.monotonic() > deadline:
            return shown
        time.sleep(0.1)


def _feed_follows_a_change(client: httpx.Client) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    registered = client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Ada"}
    )
    assert registered.status_code == 201, registered.text
    client.cookies.clear()
    ada = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    project = client.post("/api/projects", json={"name": "Launch"}, headers=ada).json()
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body: dict[str, Any] = {"project_id": project["id"], "title": "Book the venue", "due_at": due}
    created = client.post("/api/tasks", json=body, headers=ada)
    assert created.status_code == 201, created.text
    feed = client.post("/api/calendar/feeds", json={"name": "Work"}, headers=ada)
    assert feed.status_code == 201, feed.text
    path = urlsplit(feed.json()["url"]).path

    assert _summaries(client, path) == ["Book the venue"]
    etag = client.get(path).headers["etag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    changed = client.patch(
        f"/api/tasks/{created.json()['id']}", json={"status": "done"}, headers=ada
    )
    assert changed.status_code == 200, changed.text
    assert _shown_within_deadline(client, path, ["✓ Book the venue"]) == ["✓ Book the venue"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200

    revoked = client.delete(f"/api/calendar/feeds/{feed.json()['id']}", headers=ada)
    assert revoked.status_code == 204, revoked.text
    assert client.get(path).status_code == 404


def test_a_feed_follows_a_change_in_the_embedded_mode(servers: Servers, tmp_path: Path) -> None:
    port = free_port()
    env = clean_environment(TASKFLOW_DATA_DIR=str(tmp_path / "data"))
    server = servers.start(
        "taskflow-dev", [str(BIN / "taskflow"), "dev", "--port", str(port)], port, env
    )
    with server.client() as client:
        _feed_follows_a_change(client)


def test_a_feed_follows_a_change_through_the_cluster(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.server.base_url, timeout=30) as client:
        _feed_follows_a_change(client)
