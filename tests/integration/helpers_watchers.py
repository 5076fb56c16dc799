"""What the watcher, mention and recipient tests share: people with chosen names, a shared
project, the events a task's changes wrote, delivered to the in-app feed as the broker does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cloudevents.http import CloudEvent
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Route

from events import types
from events.codec import binary_http
from functions.core import runtime
from functions.core.outbox import from_row
from functions.core.tables import outbox
from functions.notifications import deliver_notification
from tests.support import User, create_project, share_project, signup

DELIVER_PATH = "/events/deliver-notification"


async def person(api: AsyncClient, display_name: str) -> User:
    """A new account named `display_name` (its e-mail address is unique, from the first word)."""
    user = await signup(api, display_name.split()[0].lower())
    response = await api.patch(
        "/api/auth/me", json={"display_name": display_name}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return user


@dataclass
class Team:
    """Ana owns the project; Ben and Cy are editors in it; Dee is in none of it."""

    ana: User
    ben: User
    cy: User
    dee: User
    project_id: str


async def make_team(api: AsyncClient) -> Team:
    ana, ben = await person(api, "Ana Lima"), await person(api, "Ben")
    cy, dee = await person(api, "Cy"), await person(api, "Dee")
    project = await create_project(api, ana, "Launch")
    for member in (ben, cy):
        await share_project(api, ana, project["id"], member)
    return Team(ana, ben, cy, dee, project["id"])


async def new_task(api: AsyncClient, user: User, project_id: str, **fields: Any) -> dict[str, Any]:
    body = {"project_id": project_id, "title": "Print banners", **fields}
    response = await api.post("/api/tasks", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def comment(api: AsyncClient, user: User, task_id: str, body: str) -> dict[str, Any]:
    response = await api.post(
        f"/api/tasks/{task_id}/comments", json={"body": body}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def watchers(api: AsyncClient, user: User, task_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/tasks/{task_id}/watchers", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def reasons(listing: dict[str, Any]) -> dict[str, str]:
    """{display name: reason} of a watcher list."""
    return {item["display_name"]: item["reason"] for item in listing["items"]}


async def task_events(task_id: str) -> list[CloudEvent]:
    """The events the task's changes wrote to the outbox, oldest first."""
    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox).where(outbox.c.subject == task_id).order_by(outbox.c.id)
            )
        ).all()
    return [from_row(row._mapping) for row in rows]


# The events delivered already: who is told is worked out at delivery, from the watchers of
# that moment, so each is delivered once, as soon after its change as the broker would.
_delivered: set[str] = set()


async def deliver_notices(task_id: str) -> None:
    """Each notifying event about the task not delivered yet, delivered to the feed as the
    broker does."""
    app = Starlette(routes=[Route(DELIVER_PATH, deliver_notification, methods=["POST"])])
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://sink.test") as sink:
        for event in await task_events(task_id):
            if event["type"] not in types.NOTIFYING_TYPES or event["id"] in _delivered:
                continue
            _delivered.add(event["id"])
            headers, body = binary_http(event)
            response = await sink.post(DELIVER_PATH, headers=headers, content=body)
            assert response.status_code == 202, response.text


async def notices(api: AsyncClient, user: User) -> list[tuple[str, str]]:
    """(kind, message) of each of the user's notifications, oldest first."""
    response = await api.get("/api/notifications", headers=user.headers)
    assert response.status_code == 200, response.text
    return [(item["kind"], item["message"]) for item in reversed(response.json()["items"])]


def ids(*users: User) -> list[str]:
    return [str(u.id) for u in users]


def uuids(*users: User) -> set[uuid.UUID]:
    return {u.id for u in users}
