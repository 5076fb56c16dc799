"""Files on tasks. The bytes never pass through here: an editor asks for an upload form for
one file (its name, type and size, within the settings' limits), the browser posts the file
to the store, and `complete` checks the store holds exactly that file before the task lists
it. Lists carry short-lived download links. A file that goes (deleted, or its task or
project deleted) has its object deleted by an event function, so a failure is retried;
uploads never completed are swept once their form has long expired.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError
from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import (
    DATA_MODELS,
    AttachmentAdded,
    AttachmentDeleted,
    AttachmentSnapshot,
    ProjectDeleted,
    TaskDeleted,
)
from events.vocabulary import Role
from functions.core.attachments import store_of
from functions.core.attachments.store import (
    Download,
    object_key,
    project_prefix,
    task_prefix,
)
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import Conflict, InvalidInput, NotFound
from functions.core.models.attachments import (
    AttachmentCreate,
    AttachmentPublic,
    AttachmentsPublic,
    AttachmentUpload,
    UploadFormPublic,
)
from functions.core.outbox import build, record
from functions.core.runtime import Runtime
from functions.core.services.access import require_role
from functions.core.services.task_events import snapshot
from functions.core.services.task_reads import get_task_in, visible_task_project
from functions.core.settings import Settings
from functions.core.tables import attachments, tasks

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from functions.core.models.tasks import TaskPublic

# Adding and removing files changes a shared task: editors and owners do it; viewers read.
EDITING_ROLE: Final[Role] = "editor"
NO_SUCH_ATTACHMENT: Final = "no such attachment"
# An upload may start just before its form expires and take a while: a pending file is
# given up this long after its form expired (complete refuses it from then on).
ABANDONED_AFTER_EXPIRY: Final = timedelta(hours=1)
# Pending files one sweep transaction gives up at once.
SWEEP_BATCH: Final = 100


def _attachment_select() -> Select[Any]:
    return select(
        attachments.c.id,
        attachments.c.task_id,
        attachments.c.project_id,
        attachments.c.filename,
        attachments.c.content_type,
        attachments.c.size,
        attachments.c.status,
        attachments.c.uploader_id,
        attachments.c.object_key,
        attachments.c.created_at,
        attachments.c.completed_at,
    )


async def create_attachment(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, data: AttachmentCreate
) -> AttachmentUpload:
    """A pending file on the task and the form that uploads exactly it (editors and owners)."""
    s = rt.settings
    async with transaction(rt.engine) as conn:
        project_id = await visible_task_project(conn, user_id, task_id, EDITING_ROLE)
        _within_limits(s, data)
        # The task's row lock: two uploads at once cannot both take its last free place.
        await conn.execute(select(tasks.c.id).where(tasks.c.id == task_id).with_for_update())
        held = await conn.scalar(
            select(func.count()).select_from(attachments).where(attachments.c.task_id == task_id)
        )
        if (held or 0) >= s.attachments_per_task:
            raise Conflict(
                f"the task holds {held} files, as many as it may "
                f"({s.attachments_per_task}): delete one first"
            )
        attachment_id, now = uuid.uuid4(), utcnow()
        key = object_key(project_id, task_id, attachment_id)
        expires_at = now + timedelta(seconds=s.attachment_upload_seconds)
        form = await store_of(rt).upload_form(key, data.content_type, data.size, expires_at)
        await conn.execute(
            insert(attachments).values(
                id=attachment_id,
                task_id=task_id,
                project_id=project_id,
                uploader_id=user_id,
                filename=data.filename,
                content_type=data.content_type,
                size=data.size,
                object_key=key,
                status="pending",
                created_at=now,
            )
        )
        row = (
            await conn.execute(_attachment_select().where(attachments.c.id == attachment_id))
        ).one()
    return AttachmentUpload(
        id=attachment_id,
        attachment=AttachmentPublic.model_validate(row),
        upload=UploadFormPublic(url=form.url, fields=form.fields, expires_at=form.expires_at),
    )


def _within_limits(s: Settings, data: AttachmentCreate) -> None:
    errors = []
    if data.size > s.attachment_max_bytes:
        errors.append(
            {
                "loc": ["size"],
                "msg": f"the file is {data.size} bytes; files may be {s.attachment_max_bytes} "
                "bytes at most",
                "type": "too_large",
            }
        )
    if not content_type_allowed(s.attachment_content_types, data.content_type):
        errors.append(
            {
                "loc": ["content_type"],
                "msg": f"{data.content_type} files are not taken; these are: "
                + ", ".join(s.attachment_content_types),
                "type": "not_allowed",
            }
        )
    if errors:
        raise InvalidInput("the file is outside the limits for attachments", errors=errors)


def content_type_allowed(allowed: Sequence[str], content_type: str) -> bool:
    """Whether a pattern takes the type: `image/*` takes every image type, and any pattern
    ending in `*` every type that starts as it does."""
    content_type = content_type.lower()
    for pattern in allowed:
        pattern = pattern.strip().lower()
        if pattern.endswith("*"):
            if content_type.startswith(pattern[:-1]):
                return True
        elif content_type == pattern:
            return True
    return False


async def complete_attachment(
    rt: Runtime, user_id: uuid.UUID, attachment_id: uuid.UUID
) -> AttachmentPublic:
    """Confirm an upload: the store must hold exactly the file announced (else it is deleted
    and the form may be used again while it lasts). Once only: again, it answers the same."""
    async with reading(rt.engine) as conn:
        row = await _attachment_for(conn, user_id, attachment_id, EDITING_ROLE)
    if row.status == "pending":
        await _check_upload(rt, row)
        async with transaction(rt.engine) as conn:
            completed = await conn.execute(
                update(attachments)
                .where(
                    attachments.c.id == attachment_id,
                    attachments.c.status == "pending",
                    attachments.c.created_at >= _abandoned_before(rt.settings, utcnow()),
                )
                .values(status="complete", completed_at=utcnow())
            )
            found = await _row(conn, attachment_id)
            if found is None:
                raise NotFound(NO_SUCH_ATTACHMENT)
            if found.status != "complete":
                raise Conflict("the upload was given up: ask for a new form")
            if completed.rowcount == 1:
                task = await get_task_in(conn, user_id, found.task_id)
                await _record(conn, user_id, types.ATTACHMENT_ADDED, task, found)
            row = found
    (public,) = await _with_links(rt, [row])
    return public


async def _check_upload(rt: Runtime, row: Any) -> None:
    if row.created_at < _abandoned_before(rt.settings, utcnow()):
        raise Conflict("the upload was given up: ask for a new form")
    store = store_of(rt)
    found = await store.stat(row.object_key)
    if found is None:
        raise Conflict("upload the file first: nothing was stored for this attachment")
    errors = []
    if found.size != row.size:
        errors.append(
            {
                "loc": ["size"],
                "msg": f"{found.size} bytes were uploaded, not the {row.size} announced",
                "type": "mismatch",
            }
        )
    stored_type = _media_type(found.content_type)
    if stored_type is not None and stored_type != row.content_type:
        errors.append(
            {
                "loc": ["content_type"],
                "msg": f"a {stored_type} file was uploaded, not the {row.content_type} announced",
                "type": "mismatch",
            }
        )
    if errors:
        # Not the file announced: it goes, and the form may carry the right one.
        await store.delete([row.object_key])
        raise InvalidInput("the uploaded file is not the one announced", errors=errors)


def _media_type(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def _abandoned_before(s: Settings, now: datetime) -> datetime:
    """Pending files created before this were given up."""
    return now - timedelta(seconds=s.attachment_upload_seconds) - ABANDONED_AFTER_EXPIRY


async def list_attachments(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID
) -> AttachmentsPublic:
    """The task's files (complete ones), oldest first, each with a fresh download link."""
    async with reading(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id)
        rows = (
            await conn.execute(
                _attachment_select()
                .where(attachments.c.task_id == task_id, attachments.c.status == "complete")
                .order_by(attachments.c.created_at, attachments.c.id)
            )
        ).all()
    return AttachmentsPublic(items=await _with_links(rt, rows))


async def _with_links(rt: Runtime, rows: Sequence[Any]) -> list[AttachmentPublic]:
    expires_at = utcnow() + timedelta(seconds=rt.settings.attachment_download_seconds)
    downloads = [Download(r.object_key, r.filename, r.content_type) for r in rows]
    urls = await store_of(rt).download_urls(downloads, expires_at)
    return [
        AttachmentPublic.model_validate(row).model_copy(update={"download_url": url})
        for row, url in zip(rows, urls, strict=True)
    ]


async def delete_attachment(rt: Runtime, user_id: uuid.UUID, attachment_id: uuid.UUID) -> None:
    """Take a file off its task (editors and owners); its object is deleted after."""
    async with transaction(rt.engine) as conn:
        row = await _attachment_for(conn, user_id, attachment_id, EDITING_ROLE, lock=True)
        task = await get_task_in(conn, user_id, row.task_id)
        await conn.execute(delete(attachments).where(attachments.c.id == attachment_id))
        await _record(conn, user_id, types.ATTACHMENT_DELETED, task, row)


async def _attachment_for(
    conn: AsyncConnection,
    user_id: uuid.UUID,
    attachment_id: uuid.UUID,
    at_least: Role,
    *,
    lock: bool = False,
) -> Any:
    """The attachment, if the user has `at_least` that role in its project (404 if not a
    member)."""
    statement = _attachment_select().where(attachments.c.id == attachment_id)
    row = (await conn.execute(statement.with_for_update() if lock else statement)).first()
    if row is None:
        raise NotFound(NO_SUCH_ATTACHMENT)
    await require_role(conn, row.project_id, user_id, at_least, what="attachment")
    return row


async def _row(conn: AsyncConnection, attachment_id: uuid.UUID) -> Any:
    return (
        await conn.execute(_attachment_select().where(attachments.c.id == attachment_id))
    ).first()


async def _record(
    conn: AsyncConnection, actor_id: uuid.UUID, event_type: str, task: TaskPublic, row: Any
) -> None:
    attachment = AttachmentSnapshot.model_validate(row, from_attributes=True)
    data = (
        AttachmentAdded(task=snapshot(task), attachment=attachment)
        if event_type == types.ATTACHMENT_ADDED
        else AttachmentDeleted(task=snapshot(task), attachment=attachment)
    )
    event = build(event_type, data, subject=task.id, project_id=task.project_id, actor_id=actor_id)
    await record(conn, [event])


async def delete_objects(rt: Runtime, event: CloudEvent) -> int:
    """Delete what the event leaves without a task: a deleted file's object, or every object
    of a deleted task or project. Raises while the store keeps any (the event is retried)."""
    model = DATA_MODELS.get(event["type"])
    if model is None:
        raise InvalidInput(f"unknown event type {event['type']}")
    try:
        data = model.model_validate(event.get_data())
    except ValidationError as exc:
        raise InvalidInput(f"the data of {event['type']} does not match its schema") from exc
    store = store_of(rt)
    match data:
        case AttachmentDeleted(task=task, attachment=attachment):
            await store.delete([object_key(task.project_id, task.id, attachment.id)])
            return 1
        case TaskDeleted(task=task):
            return await store.delete_prefix(task_prefix(task.project_id, task.id))
        case ProjectDeleted(project_id=project_id):
            return await store.delete_prefix(project_prefix(project_id))
    raise InvalidInput(f"{event['type']} leaves no attachment behind")


async def sweep_abandoned(rt: Runtime) -> int:
    """Give up the uploads never completed whose form expired long ago: their objects (if
    anything was uploaded) and rows go. How many."""
    store = store_of(rt)
    swept = 0
    while True:
        async with transaction(rt.engine) as conn:
            rows = (
                await conn.execute(
                    select(attachments.c.id, attachments.c.object_key)
                    .where(
                        attachments.c.status == "pending",
                        attachments.c.created_at < _abandoned_before(rt.settings, utcnow()),
                    )
                    .order_by(attachments.c.created_at)
                    .limit(SWEEP_BATCH)
                    # Another sweep takes other rows; a complete of one of these waits.
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return swept
            # Objects first: if the store fails, the rows stay for the next sweep.
            await store.delete([r.object_key for r in rows])
            await conn.execute(
                delete(attachments).where(
                    attachments.c.id.in_([r.id for r in rows]), attachments.c.status == "pending"
                )
            )
        swept += len(rows)
        if len(rows) < SWEEP_BATCH:
            return swept
