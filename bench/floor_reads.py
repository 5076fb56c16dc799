"""The same-stack floor of TaskFlow's read paths: the same SELECTs, with the least machinery.

Two functions-framework --asgi targets, measured beside `list_tasks` and `get_task`:

* `floor_list_tasks` answers GET /api/tasks as TaskFlow does for the benchmark's request
  (no filters, newest first, 50 of them per page);
* `floor_get_task` answers GET /api/tasks/{task_id}, with the same ETag.

Each runs the very SELECT TaskFlow sends to PostgreSQL (the membership subquery included) through
psycopg 3 async on a handful of kept connections (in autocommit, and parsing jsonb with the
parser TaskFlow's engine uses), and writes the same JSON, byte for byte, with the standard json
module. What it leaves out is everything TaskFlow adds in Python: no token is verified and no
denylist is asked (the user id comes in the query string), no query model, no SQLAlchemy, no
pydantic models. It reads TASKFLOW_DATABASE_URL and TASKFLOW_DATABASE_POOL_SIZE as
TaskFlow does, and keeps at most twice the pool size open, as TaskFlow's engine may.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psycopg
from functions_framework import aio
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from pydantic_core import from_json
from starlette.requests import Request
from starlette.responses import Response

# The statements TaskFlow's SQLAlchemy renders for these two requests, written out.
LIST = """
SELECT id, project_id, title, description, status, priority, due_at, labels, assignee_id,
       creator_id, created_at, updated_at, completed_at, version
FROM tasks
WHERE project_id IN (SELECT project_id FROM project_members WHERE user_id = %(user_id)s::UUID)
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s::INTEGER
"""
GET = """
SELECT id, project_id, title, description, status, priority, due_at, labels, assignee_id,
       creator_id, created_at, updated_at, completed_at, version
FROM tasks
WHERE id = %(id)s::UUID
  AND project_id IN (SELECT project_id FROM project_members WHERE user_id = %(user_id)s::UUID)
"""
PAGE = 50


class Connections:
    """Connections opened as load asks for them, up to `size`, and kept."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size, self.opened = url, size, 0
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            set_json_loads(from_json, conn)  # jsonb parsed as TaskFlow parses it
        else:
            conn = await self.idle.get()
        try:
            yield conn
        finally:
            self.idle.put_nowait(conn)


_connections: Connections | None = None


def connections() -> Connections:
    global _connections
    if _connections is None:
        url = os.environ["TASKFLOW_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        size = 2 * int(os.environ.get("TASKFLOW_DATABASE_POOL_SIZE", "5"))
        _connections = Connections(url, size)
    return _connections


def _plain(value: Any) -> str:
    if isinstance(value, datetime):  # stored as UTC: written as pydantic writes it
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def _json(value: Any) -> bytes:
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":")).encode()


async def _rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with connections().connection() as conn:
        cursor = conn.cursor(row_factory=dict_row)
        await cursor.execute(sql, params)
        return await cursor.fetchall()


@aio.http
async def floor_list_tasks(request: Request) -> Response:
    user_id = request.query_params["user_id"]
    rows = await _rows(LIST, {"user_id": user_id, "limit": PAGE + 1})
    # The cursor of a next page, as TaskFlow would need one, is left out: the benchmark's
    # project holds exactly one page.
    body = {"items": rows[:PAGE], "next_cursor": None}
    return Response(_json(body), media_type="application/json")


@aio.http
async def floor_get_task(request: Request) -> Response:
    task_id = request.url.path.rsplit("/", 1)[-1]
    rows = await _rows(GET, {"id": task_id, "user_id": request.query_params["user_id"]})
    if not rows:
        return Response(status_code=404)
    task = rows[0]
    return Response(
        _json(task), media_type="application/json", headers={"ETag": f'"{task["version"]}"'}
    )
