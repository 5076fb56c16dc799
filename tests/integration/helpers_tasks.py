"""Helpers for the task and comment tests: projects without the projects API, and tasks."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import insert, select

from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.tables import project_members, projects, tasks
from tests.support import User, signup


async def inbox_of(user: User) -> uuid.UUID:
    """The personal Inbox project every account gets at registration."""
    async with runtime.current().engine.connect() as conn:
        project_id: uuid.UUID = (
            await conn.execute(
                select(projects.c.id).where(
                    projects.c.owner_id == user.id, projects.c.is_inbox.is_(True)
                )
            )
        ).scalar_one()
    return project_id


async def add_member(project_id: uuid.UUID, user: User, role: str) -> None:
    async with runtime.current().engine.begin() as conn:
        await conn.execute(
            insert(project_members).values(
                project_id=project_id, user_id=user.id, role=role, created_at=utcnow()
            )
        )


async def insert_tasks(project_id: uuid.UUID, creator: User, count: int, **fields: Any) -> None:
    """Many tasks at once, straight into the table (for volume, not for behaviour)."""
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "project_id": project_id,
            "title": f"filler {n}",
            "description": "",
            "status": "todo",
            "priority": "medium",
            "labels": [],
            "creator_id": creator.id,
            # Distinct instants, in insertion order.
            "created_at": now + timedelta(microseconds=n),
            "updated_at": now,
            "version": 1,
            **fields,
        }
        for n in range(count)
    ]
    async with runtime.current().engine.begin() as conn:
        await conn.execute(insert(tasks), rows)


async def read_task_row(task_id: str) -> dict[str, Any] | None:
    """The task as stored, read behind the API's back."""
    async with runtime.current().engine.connect() as conn:
        row = (await conn.execute(select(tasks).where(tasks.c.id == uuid.UUID(task_id)))).first()
    return None if row is None else dict(row._mapping)


async def create_task(
    api: AsyncClient, user: User, project_id: uuid.UUID, **fields: Any
) -> dict[str, Any]:
    body = {"project_id": str(project_id), "title": "A task", **fields}
    response = await api.post("/api/tasks", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def owner_with_inbox(api: AsyncClient, name: str = "owner") -> tuple[User, uuid.UUID]:
    user = await signup(api, name)
    return user, await inbox_of(user)
