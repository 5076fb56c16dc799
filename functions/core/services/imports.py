"""Importing a project from a file: Todoist's CSV, Trello's board JSON, or TaskFlow's export.

`start_import` reads the file at once (a bad one is a 422 naming its line or card), keeps
its plan on a `project_imports` row and asks for `run_import` through the outbox, in one
transaction. One import per person and file (its SHA-256): the same file again answers the
same import while it runs or its project exists.

`run_import` creates the project first, in a transaction of its own that also remembers it
on the import, so no project is ever made that its import does not name. In that transaction
the importer's teammates whom the file names (assignees' addresses, and a TaskFlow JSON
export's members) join the project, as the members API adds them (each one's `member_added`
says so): a teammate is a person with an account who is a member of a project the importer
is also a member of. A person named who is not one, with an account or not, is not added, so
the import says no more about an address than adding members does. Then it creates
the tasks in batches; each batch writes its tasks, their comments, one
`project_import_items` row per item and the progress together, so a delivery that stops
anywhere is resumed by the next without duplicates. A delivery works for a slice of the
request timeout, then asks for the next slice with a new event. An item that cannot be
created is recorded as failed with the reason, and the others go on; an unexpected error
marks the import failed, saying how far it got, and keeps its project (a redelivery, or
sending the file again, resumes it).

Imported tasks and comments write no events of their own: thousands of `task.created` would
flood the feeds, webhooks and activity of a project that is only being made. The importer's
live screens hear `member_added` (themselves, as owner) once the tasks are in, so the project
appears there complete; that event also renews the calendar feeds of everyone who reads the
project (teammates added to it, who were told when it was created, among them).
"""

from __future__ import annotations

import hashlib
import logging
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Final

from cloudevents.http import CloudEvent
from pydantic import ValidationError
from sqlalchemy import Select, delete, exists, func, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import ProjectImportRequested
from events.vocabulary import Role
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.emails import normalise_email
from functions.core.errors import DomainError, InvalidInput, NotFound
from functions.core.imports.plan import Plan, PlanComment, PlanItem, email_in, within_depth
from functions.core.imports.reading import read_plan
from functions.core.models.imports import (
    ImportDetail,
    ImportItemPublic,
    ImportPublic,
    ImportsPublic,
)
from functions.core.models.projects import MemberAdd, MemberPublic, ProjectCreate
from functions.core.models.tasks import CommentCreate, TaskCreate
from functions.core.outbox import build, record
from functions.core.runtime import Runtime
from functions.core.services import comments, projects, subtasks, task_commands, task_events
from functions.core.tables import (
    project_import_items,
    project_imports,
    project_members,
    users,
)
from functions.core.tables import projects as projects_table

log = logging.getLogger("taskflow.imports")

# Tasks per transaction: small enough that a batch ends well within a delivery's time.
BATCH: Final = 50
# A delivery of run_import works this share of the request timeout, then hands on.
SLICE_SHARE: Final = 0.5
LISTED: Final = 50
NAME_LIMIT: Final = 100
TITLE_LIMIT: Final = 200
FILENAME_LIMIT: Final = 255
DESCRIPTION_LIMIT: Final = 2000
NO_SUCH_IMPORT: Final = "no such import"
# Addresses looked up at a time (within SQLite's oldest limit on a statement's parameters).
LOOKUP_CHUNK: Final = 500

_items = project_import_items
_created = (
    select(func.count())
    .where(_items.c.import_id == project_imports.c.id, _items.c.outcome == "created")
    .scalar_subquery()
)
_failed = (
    select(func.count())
    .where(_items.c.import_id == project_imports.c.id, _items.c.outcome == "failed")
    .scalar_subquery()
)


def _public_select() -> Select[Any]:
    c = project_imports.c
    return select(
        c.id,
        c.source,
        c.filename,
        c.name,
        c.status,
        c.total,
        c.processed,
        _created.label("created"),
        _failed.label("failed"),
        c.project_id,
        c.error,
        c.created_at,
        c.finished_at,
    )


async def start_import(
    rt: Runtime, user_id: uuid.UUID, filename: str, content: bytes, name: str | None
) -> tuple[ImportPublic, bool]:
    """The import of this file (queued), and whether it is new; the same file sent again by
    the same person is the same import while it runs or its project exists (a failed one is
    queued again, to resume)."""
    if name is not None and len(name.strip()) > NAME_LIMIT:
        raise InvalidInput(
            f"the project's name is longer than {NAME_LIMIT} characters",
            errors=[{"loc": ["name"], "msg": "too long", "type": "string_too_long"}],
        )
    plan = read_plan(filename, content, rt.settings.import_max_items)
    plan.items = within_depth(plan.items, subtasks.MAX_DEPTH)
    digest = hashlib.sha256(content).hexdigest()
    shown = _filename(filename)
    project_name = _project_name(name, plan, shown)
    try:
        async with transaction(rt.engine) as conn:
            existing = await _own_import(conn, user_id, digest)
            if existing is not None:
                if existing.status in ("queued", "running") or (
                    existing.project_id is not None and existing.status == "done"
                ):
                    return await _public(conn, existing.id), False
                if existing.project_id is not None:  # failed, its project kept: resume it
                    await conn.execute(
                        update(project_imports)
                        .where(project_imports.c.id == existing.id)
                        .values(status="queued", error=None, finished_at=None, updated_at=utcnow())
                    )
                    await _request_run(conn, existing.id, user_id)
                    return await _public(conn, existing.id), False
                # Its project is gone: the file is imported anew.
                await conn.execute(
                    delete(project_imports).where(project_imports.c.id == existing.id)
                )
            import_id = uuid.uuid4()
            now = utcnow()
            await conn.execute(
                insert(project_imports).values(
                    id=import_id,
                    user_id=user_id,
                    source=plan.source,
                    filename=shown,
                    file_sha256=digest,
                    name=project_name,
                    plan=plan.model_dump(mode="json"),
                    status="queued",
                    total=len(plan.items),
                    processed=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            await _request_run(conn, import_id, user_id)
            return await _public(conn, import_id), True
    except IntegrityError:  # the same file, sent twice at once: the other one won
        async with reading(rt.engine) as conn:
            found = await _own_import(conn, user_id, digest, lock=False)
            if found is None:
                raise
            return await _public(conn, found.id), False


async def list_imports(rt: Runtime, user_id: uuid.UUID) -> ImportsPublic:
    """The person's imports, newest first."""
    async with reading(rt.engine) as conn:
        rows = (
            await conn.execute(
                _public_select()
                .where(project_imports.c.user_id == user_id)
                .order_by(project_imports.c.created_at.desc(), project_imports.c.id.desc())
                .limit(LISTED)
            )
        ).all()
    return ImportsPublic(items=[ImportPublic.model_validate(row) for row in rows])


async def get_import(rt: Runtime, user_id: uuid.UUID, import_id: uuid.UUID) -> ImportDetail:
    """One of the person's imports with each item processed so far, in the file's order."""
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                _public_select().where(
                    project_imports.c.id == import_id, project_imports.c.user_id == user_id
                )
            )
        ).first()
        if row is None:
            raise NotFound(NO_SUCH_IMPORT)
        items = (
            await conn.execute(
                select(
                    _items.c.position,
                    _items.c.ref,
                    _items.c.title,
                    _items.c.outcome,
                    _items.c.task_id,
                    _items.c.message,
                )
                .where(_items.c.import_id == import_id)
                .order_by(_items.c.position)
            )
        ).all()
    return ImportDetail(
        **ImportPublic.model_validate(row).model_dump(),
        items=[ImportItemPublic.model_validate(item) for item in items],
    )


async def run_import(rt: Runtime, event: CloudEvent, *, batch: int = BATCH) -> None:
    """Create the import's project and tasks, or go on from where an earlier delivery
    stopped; past its slice of time, hand on to a new event."""
    try:
        data = ProjectImportRequested.model_validate(event.get_data())
    except ValidationError as exc:
        raise InvalidInput("the event's data is not an import request") from exc
    started = time.monotonic()
    budget = rt.settings.request_timeout_seconds * SLICE_SHARE
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(
                    project_imports.c.user_id, project_imports.c.status, project_imports.c.plan
                ).where(project_imports.c.id == data.import_id)
            )
        ).first()
    if row is None or row.status == "done":
        return  # deleted with its person, or finished by an earlier delivery
    plan = Plan.model_validate(row.plan)
    try:
        if not await _ensure_project(rt, data.import_id, row.user_id, plan):
            return
        while await _run_batch(rt, data.import_id, row.user_id, plan, batch):
            if time.monotonic() - started >= budget:
                async with transaction(rt.engine) as conn:
                    await _request_run(conn, data.import_id, row.user_id)
                return
    except Exception as exc:
        await _mark_failed(rt, data.import_id, exc)
        raise


@dataclass
class _Batch:
    user_id: uuid.UUID
    project_id: uuid.UUID
    # The project's members by e-mail address.
    members: dict[str, uuid.UUID]
    # The tasks created so far, by their item's ref.
    parents: dict[str, uuid.UUID]


async def _ensure_project(
    rt: Runtime, import_id: uuid.UUID, user_id: uuid.UUID, plan: Plan
) -> bool:
    """The import's project exists and the import is running; False if it cannot go on."""
    async with transaction(rt.engine) as conn:
        row = await _locked(conn, import_id)
        if row is None or row.status == "done":
            return False
        if row.project_id is None and row.processed > 0:
            await _stop(conn, row, "its project was deleted while it was imported")
            return False
        values: dict[str, Any] = {"status": "running", "error": None, "finished_at": None}
        if row.project_id is None:
            request = ProjectCreate(
                name=row.name, description=plan.project_description[:DESCRIPTION_LIMIT]
            )
            project = await projects.create_project_in(conn, user_id, request)
            await _add_teammates(conn, user_id, project.id, plan)
            values["project_id"] = project.id
        await conn.execute(
            update(project_imports)
            .where(project_imports.c.id == import_id)
            .values(**values, updated_at=utcnow())
        )
    return True


async def _add_teammates(
    conn: AsyncConnection, user_id: uuid.UUID, project_id: uuid.UUID, plan: Plan
) -> None:
    """Add the importer's teammates whom the file names to the new project, in the file's
    order, each with the role `_named` gives them."""
    named = _named(plan)
    teammates = await _teammates(conn, user_id, list(named))
    for email, role in named.items():
        member_id = teammates.get(email)
        if member_id is not None:
            request = MemberAdd(user_id=member_id, role=role)
            await projects.add_member_in(conn, user_id, project_id, request)


def _named(plan: Plan) -> dict[str, Role]:
    """The people the file names by e-mail address, with the role each would join with: a
    TaskFlow export's members with theirs (an owner as an editor: the importer owns the new
    project), then the other assignees as editors."""
    named: dict[str, Role] = {}
    for member in plan.members:
        role: Role = "editor" if member.role == "owner" else member.role
        named.setdefault(normalise_email(member.email), role)
    for item in plan.items:
        if item.assignee_email is not None:
            named.setdefault(normalise_email(item.assignee_email), "editor")
    return named


async def _teammates(
    conn: AsyncConnection, user_id: uuid.UUID, emails: list[str]
) -> dict[str, uuid.UUID]:
    """Of these addresses, the accounts (by address) that are members of a project the
    importer is a member of; never the importer."""
    mine = project_members.alias("mine")
    theirs = project_members.alias("theirs")
    shared = exists().where(
        theirs.c.user_id == users.c.id,
        mine.c.project_id == theirs.c.project_id,
        mine.c.user_id == user_id,
    )
    found: dict[str, uuid.UUID] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        rows = (
            await conn.execute(
                select(users.c.email, users.c.id).where(
                    users.c.email.in_(chunk), users.c.id != user_id, shared
                )
            )
        ).all()
        found.update({row.email: row.id for row in rows})
    return found


async def _run_batch(
    rt: Runtime, import_id: uuid.UUID, user_id: uuid.UUID, plan: Plan, size: int
) -> bool:
    """Create the next batch of items; True while more remain."""
    async with transaction(rt.engine) as conn:
        row = await _locked(conn, import_id)
        if row is None or row.status != "running":
            return False
        if row.project_id is None:
            await _stop(conn, row, "its project was deleted while it was imported")
            return False
        start = row.processed
        items = plan.items[start : start + size]
        context = _Batch(
            user_id=user_id,
            project_id=row.project_id,
            members=await _members(conn, row.project_id),
            parents=await _created_tasks(
                conn, import_id, {i.parent_ref for i in items if i.parent_ref}
            ),
        )
        for position, item in enumerate(items, start=start):
            task_id, message = await _create_item(conn, context, item)
            if task_id is not None:
                context.parents[item.ref] = task_id
            await conn.execute(
                insert(_items).values(
                    import_id=import_id,
                    position=position,
                    ref=item.ref[:200],
                    title=(" ".join(item.title.split()) or "(no title)")[:200],
                    outcome="created" if task_id is not None else "failed",
                    task_id=task_id,
                    message=message,
                )
            )
        processed = start + len(items)
        finished = processed >= row.total
        if finished:
            await _announce(conn, user_id, row.project_id)
        now = utcnow()
        await conn.execute(
            update(project_imports)
            .where(project_imports.c.id == import_id)
            .values(
                processed=processed,
                updated_at=now,
                **({"status": "done", "finished_at": now} if finished else {}),
            )
        )
    return not finished


async def _announce(conn: AsyncConnection, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
    """The importer's open screens list the project, and calendar feeds show its tasks, once
    they are all in: its owner's `member_added` (the actor is never notified of it)."""
    found = (
        await conn.execute(
            select(
                users.c.email,
                users.c.display_name,
                projects_table.c.name,
                project_members.c.role,
                project_members.c.created_at,
            )
            .join(project_members, project_members.c.user_id == users.c.id)
            .join(projects_table, projects_table.c.id == project_members.c.project_id)
            .where(users.c.id == user_id, project_members.c.project_id == project_id)
        )
    ).first()
    if found is None:  # no longer a member of it: nothing to show them
        return
    member = MemberPublic(
        user_id=user_id,
        email=found.email,
        display_name=found.display_name,
        role=found.role,
        created_at=found.created_at,
    )
    await task_events.member_added(conn, user_id, project_id, found.name, member)


async def _create_item(
    conn: AsyncConnection, batch: _Batch, item: PlanItem
) -> tuple[uuid.UUID | None, str | None]:
    """The item's task (with its comments), or None and why not; and what was changed."""
    notes = list(item.notes)
    parent_id = None
    if item.parent_ref is not None:
        parent_id = batch.parents.get(item.parent_ref)
        if parent_id is None:
            notes.append(f"its parent ({item.parent_ref}) was not created: a task of its own")
    assignee_id = None
    if item.assignee_email is not None:
        assignee_id = batch.members.get(normalise_email(item.assignee_email))
        if assignee_id is None:
            notes.append(
                f"assigned to {item.assignee_email} in the file, who is not a member of the "
                "project (only people who share another project with you are added): "
                "left unassigned"
            )
    title, description = item.title.strip(), item.description
    if len(title) > TITLE_LIMIT:
        notes.append(
            f"the title is longer than {TITLE_LIMIT} characters: the whole of it starts "
            "the description"
        )
        title, description = title[: TITLE_LIMIT - 1] + "…", f"{title}\n\n{description}".strip()
    fields: dict[str, Any] = {
        "project_id": batch.project_id,
        "title": title,
        "description": description,
        "status": item.status,
        "priority": item.priority,
        "labels": item.labels,
        "assignee_id": assignee_id,
        "parent_id": parent_id,
        "recurrence": item.recurrence,
        "recurrence_basis": item.recurrence_basis,
    }
    if item.due_date is not None:
        fields["due_date"] = item.due_date
    elif item.due_at is not None:
        fields["due_at"] = item.due_at
    try:
        data = TaskCreate.model_validate(fields)
    except ValidationError as exc:
        return None, _joined([_validation_message(exc), *notes])
    try:
        async with conn.begin_nested():
            task, _ = await task_commands.insert_task(
                conn, batch.user_id, data, completed_at=item.completed_at
            )
            for number, comment in enumerate(item.comments, start=1):
                author_id, body = _comment(batch, comment)
                try:
                    checked = CommentCreate(body=body)
                except ValidationError as exc:
                    notes.append(f"comment {number} was left out: {_validation_message(exc)}")
                    continue
                await comments.insert_comment(
                    conn, author_id, task, checked.body, created_at=comment.created_at
                )
    except DomainError as exc:
        return None, _joined([exc.detail, *notes])
    except (IntegrityError, DataError) as exc:  # the savepoint is undone; the batch goes on
        return None, _joined([f"the database refused it ({type(exc.orig).__name__})", *notes])
    return task.id, _joined(notes)


def _comment(batch: _Batch, comment: PlanComment) -> tuple[uuid.UUID, str]:
    """The importer's own comment as it is; any other the importer's too, saying who wrote
    it and when (posting it as its author, even a member, would put words in their mouth)."""
    if batch.members.get(email_in(comment.author) or "") == batch.user_id:
        return batch.user_id, comment.body
    when = f" on {comment.created_at:%Y-%m-%d %H:%M} UTC" if comment.created_at else ""
    by = f" by {comment.author}" if comment.author else ""
    return batch.user_id, f"Imported comment{by}{when}:\n\n{comment.body}"


async def _members(conn: AsyncConnection, project_id: uuid.UUID) -> dict[str, uuid.UUID]:
    rows = (
        await conn.execute(
            select(users.c.email, users.c.id)
            .join(project_members, project_members.c.user_id == users.c.id)
            .where(project_members.c.project_id == project_id)
        )
    ).all()
    return {normalise_email(row.email): row.id for row in rows}


async def _created_tasks(
    conn: AsyncConnection, import_id: uuid.UUID, refs: set[str]
) -> dict[str, uuid.UUID]:
    if not refs:
        return {}
    rows = (
        await conn.execute(
            select(_items.c.ref, _items.c.task_id).where(
                _items.c.import_id == import_id,
                _items.c.ref.in_(refs),
                _items.c.task_id.is_not(None),
            )
        )
    ).all()
    return {row.ref: row.task_id for row in rows}


async def _locked(conn: AsyncConnection, import_id: uuid.UUID) -> Any:
    """The import's row, locked: one delivery at a time works on an import. Touched first:
    the write takes the row's lock on PostgreSQL and, on SQLite (whose driver begins a
    transaction only at the first write), opens the transaction, so a savepoint in it is
    not one of its own that its release commits."""
    await conn.execute(
        update(project_imports).where(project_imports.c.id == import_id).values(updated_at=utcnow())
    )
    return (
        await conn.execute(
            select(project_imports).where(project_imports.c.id == import_id).with_for_update()
        )
    ).first()


async def _own_import(
    conn: AsyncConnection, user_id: uuid.UUID, digest: str, *, lock: bool = True
) -> Any:
    found = select(
        project_imports.c.id, project_imports.c.status, project_imports.c.project_id
    ).where(project_imports.c.user_id == user_id, project_imports.c.file_sha256 == digest)
    return (await conn.execute(found.with_for_update() if lock else found)).first()


async def _public(conn: AsyncConnection, import_id: uuid.UUID) -> ImportPublic:
    row = (await conn.execute(_public_select().where(project_imports.c.id == import_id))).one()
    return ImportPublic.model_validate(row)


async def _request_run(conn: AsyncConnection, import_id: uuid.UUID, user_id: uuid.UUID) -> None:
    data = ProjectImportRequested(import_id=import_id, user_id=user_id)
    event = build(types.PROJECT_IMPORT_REQUESTED, data, subject=import_id, actor_id=user_id)
    await record(conn, [event])


async def _stop(conn: AsyncConnection, row: Any, reason: str) -> None:
    await conn.execute(
        update(project_imports)
        .where(project_imports.c.id == row.id)
        .values(
            status="failed",
            error=f"stopped after {row.processed} of {row.total} tasks: {reason}",
            finished_at=utcnow(),
            updated_at=utcnow(),
        )
    )


async def _mark_failed(rt: Runtime, import_id: uuid.UUID, exc: Exception) -> None:
    """Say the import stopped, and how far it got; the project stays, to be resumed."""
    reason = exc.detail if isinstance(exc, DomainError) else "an unexpected error"
    log.exception("import %s stopped: %s", import_id, reason)
    try:
        async with transaction(rt.engine) as conn:
            row = await _locked(conn, import_id)
            if row is not None and row.status != "done":
                await _stop(conn, row, f"{reason}; it resumes when tried again")
    except Exception:  # the database is down too: the redelivery will say more
        log.exception("import %s: could not record that it stopped", import_id)


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'task'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False)
    )


def _joined(notes: list[str]) -> str | None:
    return "; ".join(notes) or None


def _filename(filename: str) -> str:
    """The file's name as shown: its last part, without control characters."""
    base = PurePosixPath(filename.replace("\\", "/")).name
    shown = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return shown[:FILENAME_LIMIT] or "import"


def _project_name(name: str | None, plan: Plan, filename: str) -> str:
    for candidate in (name, plan.project_name, PurePosixPath(filename).stem):
        cleaned = " ".join((candidate or "").split())
        if cleaned:
            return cleaned[:NAME_LIMIT]
    return "Imported project"
