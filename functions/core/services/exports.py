"""Exporting a project: every task with its comments and files' descriptions, as JSON or CSV,
produced as a stream of chunks so that no project, however large, is held in memory.

Any member may export. The membership, the project and its members are read before the answer
starts (a refusal is a plain 404); the tasks follow in (created_at, id) order, `BATCH` at a
time along the index on (project_id, created_at, id), each batch with its comments, files and
e-mail addresses. Each batch takes a connection and gives it back before anything is sent:
a slow reader, or one who leaves, holds none (the embedded mode has a single connection), and
the export shows each task as it was when its batch was read.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.clock import utcnow
from functions.core.database import reading
from functions.core.errors import NotFound
from functions.core.exports import JSON_TAIL, MEDIA_TYPES, CsvRows, json_head, json_task
from functions.core.models.exports import (
    ExportedAttachment,
    ExportedComment,
    ExportedMember,
    ExportedProject,
    ExportedTask,
    ExportFormat,
    ExportHeader,
)
from functions.core.queries.keyset import past
from functions.core.runtime import Runtime
from functions.core.services.access import require_role
from functions.core.tables import attachments, comments, project_members, projects, tasks, users

# Tasks read at a time: a batch and its comments are what an export holds in memory.
BATCH: Final = 500
# Encoded tasks are sent in chunks of about this size (a few tasks or a few hundred).
CHUNK_BYTES: Final = 64 * 1024

_assignees = users.alias("assignees")
_creators = users.alias("creators")
_ORDER: Final = (tasks.c.created_at, tasks.c.id)
_TASKS: Final[Select[Any]] = (
    select(
        tasks.c.id,
        tasks.c.parent_id,
        tasks.c.title,
        tasks.c.description,
        tasks.c.status,
        tasks.c.priority,
        tasks.c.due_at,
        tasks.c.due_date,
        tasks.c.labels,
        _assignees.c.email.label("assignee_email"),
        _creators.c.email.label("creator_email"),
        tasks.c.created_at,
        tasks.c.updated_at,
        tasks.c.completed_at,
        tasks.c.recurrence,
        tasks.c.recurrence_basis,
    )
    .outerjoin(_assignees, _assignees.c.id == tasks.c.assignee_id)
    .outerjoin(_creators, _creators.c.id == tasks.c.creator_id)
    .order_by(*_ORDER)
)


@dataclass(frozen=True)
class ProjectExport:
    """An export ready to send: its file name, media type and the chunks of its body."""

    filename: str
    media_type: str
    chunks: AsyncIterator[bytes]


async def export_project(
    rt: Runtime,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    format: ExportFormat,
    *,
    batch: int = BATCH,
) -> ProjectExport:
    """The project as a `format` document (any member; 404 for anyone else), whose chunks read
    the tasks as they are sent."""
    async with reading(rt.engine) as conn:
        await require_role(conn, project_id, user_id)
        project = await _project(conn, project_id)
        members = await _members(conn, project_id)
    if format == "csv":
        rows = CsvRows()
        chunks = _chunks(rt, project_id, batch, rows.header(), lambda task, _: rows.row(task), b"")
    else:
        header = ExportHeader(exported_at=utcnow(), project=project, members=members)
        chunks = _chunks(rt, project_id, batch, json_head(header), _json_task, JSON_TAIL)
    return ProjectExport(
        filename=f"{project.name}.{format}", media_type=MEDIA_TYPES[format], chunks=chunks
    )


def _json_task(task: ExportedTask, first: bool) -> bytes:
    return json_task(task, first=first)


async def _chunks(
    rt: Runtime,
    project_id: uuid.UUID,
    batch: int,
    head: bytes,
    encode: Callable[[ExportedTask, bool], bytes],
    tail: bytes,
) -> AsyncIterator[bytes]:
    yield head  # the download starts at once, whatever the size
    pending = bytearray()
    first = True
    async for tasks_read in _batches(rt, project_id, batch):
        for task in tasks_read:
            pending += encode(task, first)
            first = False
            if len(pending) >= CHUNK_BYTES:
                yield bytes(pending)
                pending.clear()
    pending += tail
    if pending:
        yield bytes(pending)


async def _batches(
    rt: Runtime, project_id: uuid.UUID, batch: int
) -> AsyncIterator[list[ExportedTask]]:
    """The project's tasks, `batch` at a time; no connection is held between batches."""
    position: tuple[Any, ...] | None = None
    while True:
        async with reading(rt.engine) as conn:
            read = await _read_batch(conn, project_id, position, batch)
        if read:
            yield read
        if len(read) < batch:
            return
        position = (read[-1].created_at, read[-1].id)


async def _read_batch(
    conn: AsyncConnection, project_id: uuid.UUID, position: tuple[Any, ...] | None, batch: int
) -> list[ExportedTask]:
    statement = _TASKS.where(tasks.c.project_id == project_id).limit(batch)
    if position is not None:
        statement = statement.where(past(_ORDER, position, descending=False))
    rows = (await conn.execute(statement)).all()
    ids = [row.id for row in rows]
    said = await _comments(conn, ids)
    files = await _attachments(conn, ids)
    return [
        ExportedTask.model_validate(
            {**row._mapping, "comments": said.get(row.id, []), "attachments": files.get(row.id, [])}
        )
        for row in rows
    ]


async def _comments(
    conn: AsyncConnection, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ExportedComment]]:
    if not task_ids:
        return {}
    rows = await conn.execute(
        select(
            comments.c.task_id,
            comments.c.id,
            users.c.email.label("author_email"),
            comments.c.body,
            comments.c.created_at,
            comments.c.updated_at,
        )
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(comments.c.task_id.in_(task_ids))
        .order_by(comments.c.task_id, comments.c.created_at, comments.c.id)
    )
    found: dict[uuid.UUID, list[ExportedComment]] = {}
    for row in rows:
        found.setdefault(row.task_id, []).append(ExportedComment.model_validate(row))
    return found


async def _attachments(
    conn: AsyncConnection, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ExportedAttachment]]:
    if not task_ids:
        return {}
    rows = await conn.execute(
        select(
            attachments.c.task_id,
            attachments.c.filename,
            attachments.c.content_type,
            attachments.c.size,
        )
        # Uploads never confirmed are no file of the task's.
        .where(attachments.c.task_id.in_(task_ids), attachments.c.status == "complete")
        .order_by(attachments.c.task_id, attachments.c.created_at, attachments.c.id)
    )
    found: dict[uuid.UUID, list[ExportedAttachment]] = {}
    for row in rows:
        found.setdefault(row.task_id, []).append(ExportedAttachment.model_validate(row))
    return found


async def _project(conn: AsyncConnection, project_id: uuid.UUID) -> ExportedProject:
    row = (
        await conn.execute(
            select(
                projects.c.id, projects.c.name, projects.c.description, projects.c.created_at
            ).where(projects.c.id == project_id)
        )
    ).first()
    if row is None:  # deleted since the membership was read
        raise NotFound("no such project")
    return ExportedProject.model_validate(row)


async def _members(conn: AsyncConnection, project_id: uuid.UUID) -> list[ExportedMember]:
    rows = await conn.execute(
        select(users.c.email, users.c.display_name, project_members.c.role)
        .join(users, users.c.id == project_members.c.user_id)
        .where(project_members.c.project_id == project_id)
        .order_by(project_members.c.created_at, project_members.c.user_id)
    )
    return [ExportedMember.model_validate(row) for row in rows]
