"""Relation functions: links between tasks (blocks, relates to, duplicates)."""

from __future__ import annotations

from functions.core.models.relations import RelationCreate, RelationPublic, RelationsPublic
from functions.core.services import relations
from functions.edge import Call, endpoint


@endpoint(response=RelationsPublic)
async def list_relations(call: Call[None, None]) -> RelationsPublic:
    """A task's relations, each seen from it, to the tasks you may read; oldest first."""
    return await relations.list_relations(call.rt, call.user.user_id, call.path_uuid("task_id"))


@endpoint(body=RelationCreate, response=RelationPublic, status=201)
async def add_relation(call: Call[RelationCreate, None]) -> RelationPublic:
    """Relate a task you may change to another you may read, in any project.

    The task blocks the other, is blocked by it, relates to it, duplicates it or is duplicated
    by it. Two tasks have one relation at most, whichever way it was made (409)."""
    return await relations.add_relation(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.body
    )


@endpoint(status=204)
async def remove_relation(call: Call[None, None]) -> None:
    """Remove one of a task's relations (editors and owners of the task's project)."""
    await relations.remove_relation(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.path_uuid("relation_id")
    )
