"""Relations between tasks: one blocks another, relates to it, or duplicates it.

A relation is stored one way (`task_id` blocks or duplicates `related_id`; relates_to reads
the same both ways) and read from either side: "blocked_by" and "duplicated_by" are the
stored kinds seen from the related task. Two tasks have at most one relation, whichever way
it was made. The tasks may be in different projects: whoever makes one writes to its task's
project and may read the other; a list shows only the relations whose other task the
reader may read.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import Select, and_, delete, false, insert, or_, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import RelationKind as StoredKind
from events.models import RelationSnapshot, TaskRelationAdded, TaskRelationRemoved
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import Conflict, InvalidInput, NotFound
from functions.core.models.relations import (
    RelatedTask,
    RelationCreate,
    RelationKind,
    RelationPublic,
    RelationsPublic,
)
from functions.core.outbox import build, record
from functions.core.queries.tasks import member_projects
from functions.core.runtime import Runtime
from functions.core.services.access import role_in
from functions.core.services.task_events import snapshot
from functions.core.services.task_reads import get_task_in, visible_task_project
from functions.core.tables import task_relations, tasks

NO_SUCH_RELATION: Final = "no such relation"
# Each kind on the wire as stored, and whether the path's task is then the related one.
_STORED: Final[dict[RelationKind, tuple[StoredKind, bool]]] = {
    "blocks": ("blocks", False),
    "blocked_by": ("blocks", True),
    "relates_to": ("relates_to", False),
    "duplicates": ("duplicates", False),
    "duplicated_by": ("duplicates", True),
}
# A stored kind seen from its related task.
_FROM_RELATED: Final[dict[StoredKind, RelationKind]] = {
    "blocks": "blocked_by",
    "relates_to": "relates_to",
    "duplicates": "duplicated_by",
}


async def list_relations(rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID) -> RelationsPublic:
    """The task's relations, oldest first, each as seen from it (anyone who may read the
    task; only those whose other task they may read too)."""
    async with reading(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id)
        rows = (await conn.execute(_relations_of(user_id, task_id))).all()
    return RelationsPublic(items=[_public(row) for row in rows])


async def add_relation(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, data: RelationCreate
) -> RelationPublic:
    """Relate the task (the caller is an editor of its project) to another they may read."""
    other_id = data.task_id
    async with transaction(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id, "editor")
        if other_id == task_id:
            raise _bad_other("a task cannot be related to itself", "the task itself", "itself")
        # Both locked, in id order: a relation between the same two tasks made at this moment,
        # either way round, waits for this one and then finds it.
        locked = (
            await conn.execute(
                select(tasks.c.id, tasks.c.project_id)
                .where(tasks.c.id.in_([task_id, other_id]))
                .order_by(tasks.c.id)
                .with_for_update(key_share=True)
            )
        ).all()
        projects = {row.id: row.project_id for row in locked}
        if task_id not in projects:  # deleted meanwhile
            raise NotFound("no such task")
        if other_id not in projects or await role_in(conn, projects[other_id], user_id) is None:
            raise _bad_other("no such task", "not a task you can read", "task")
        existing = await conn.scalar(
            select(task_relations.c.id).where(
                or_(
                    and_(
                        task_relations.c.task_id == task_id,
                        task_relations.c.related_id == other_id,
                    ),
                    and_(
                        task_relations.c.task_id == other_id,
                        task_relations.c.related_id == task_id,
                    ),
                )
            )
        )
        if existing is not None:
            raise Conflict(
                "these tasks are related already: remove that relation first",
                relation_id=str(existing),
            )
        kind, swapped = _STORED[data.kind]
        relation = RelationSnapshot(
            id=uuid.uuid4(),
            task_id=other_id if swapped else task_id,
            related_id=task_id if swapped else other_id,
            kind=kind,
        )
        await conn.execute(
            insert(task_relations).values(
                **relation.model_dump(), creator_id=user_id, created_at=utcnow()
            )
        )
        await _recorded(conn, user_id, task_id, relation, added=True)
        row = (await conn.execute(_relations_of(user_id, task_id, relation.id))).one()
    return _public(row)


async def remove_relation(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, relation_id: uuid.UUID
) -> None:
    """Remove one of the task's relations (an editor of the task's project): either side may."""
    async with transaction(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id, "editor")
        # Only one the caller could list: its other task is one they may read.
        if (await conn.execute(_relations_of(user_id, task_id, relation_id))).first() is None:
            raise NotFound(NO_SUCH_RELATION)
        row = (
            await conn.execute(
                delete(task_relations)
                .where(task_relations.c.id == relation_id)
                .returning(
                    task_relations.c.id,
                    task_relations.c.task_id,
                    task_relations.c.related_id,
                    task_relations.c.kind,
                )
            )
        ).first()
        if row is None:  # removed meanwhile
            raise NotFound(NO_SUCH_RELATION)
        relation = RelationSnapshot.model_validate(row._asdict())
        await _recorded(conn, user_id, task_id, relation, added=False)


def _relations_of(
    user_id: uuid.UUID, task_id: uuid.UUID, relation_id: uuid.UUID | None = None
) -> Select[Any]:
    """The task's relations (or the one named) whose other task the user may read, oldest
    first: those made from it, then those made to it, each by its own index."""
    other = tasks.alias("other")
    sides = []
    for own, far, outgoing in (
        (task_relations.c.task_id, task_relations.c.related_id, True),
        (task_relations.c.related_id, task_relations.c.task_id, False),
    ):
        side = (
            select(
                task_relations.c.id,
                task_relations.c.kind,
                (true() if outgoing else false()).label("outgoing"),
                task_relations.c.created_at,
                other.c.id.label("other_id"),
                other.c.project_id,
                other.c.title,
                other.c.status,
            )
            .join(other, other.c.id == far)
            .where(own == task_id, other.c.project_id.in_(member_projects(user_id)))
        )
        if relation_id is not None:
            side = side.where(task_relations.c.id == relation_id)
        sides.append(side)
    both = union_all(*sides).subquery("relations")
    return select(both).order_by(both.c.created_at, both.c.id)


def _public(row: Any) -> RelationPublic:
    return RelationPublic(
        id=row.id,
        kind=row.kind if row.outgoing else _FROM_RELATED[row.kind],
        task=RelatedTask(
            id=row.other_id, project_id=row.project_id, title=row.title, status=row.status
        ),
        created_at=row.created_at,
    )


async def _recorded(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    task_id: uuid.UUID,
    relation: RelationSnapshot,
    *,
    added: bool,
) -> None:
    """`relation_added` or `relation_removed`, about the task it was made or removed from."""
    task = await get_task_in(conn, actor_id, task_id)
    data: TaskRelationAdded | TaskRelationRemoved
    if added:
        event_type, data = (
            types.TASK_RELATION_ADDED,
            TaskRelationAdded(task=snapshot(task), relation=relation),
        )
    else:
        event_type, data = (
            types.TASK_RELATION_REMOVED,
            TaskRelationRemoved(task=snapshot(task), relation=relation),
        )
    event = build(event_type, data, subject=task.id, project_id=task.project_id, actor_id=actor_id)
    await record(conn, [event])


def _bad_other(detail: str, msg: str, kind: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"loc": ["task_id"], "msg": msg, "type": kind}])
