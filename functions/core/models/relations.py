"""Relations between tasks on the wire: each seen from the task it is read or made from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from events.vocabulary import Status
from functions.core.models.common import Public, Strict

# How the task in the path relates to the other: it blocks it or is blocked by it, relates to
# it, duplicates it or is duplicated by it.
RelationKind = Literal["blocks", "blocked_by", "relates_to", "duplicates", "duplicated_by"]


class RelationCreate(Strict):
    """POST /api/tasks/{task_id}/relations: the task in the path `kind` the task `task_id`."""

    kind: RelationKind
    task_id: uuid.UUID


class RelatedTask(Public):
    """The other task of a relation, enough to show it as a link."""

    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    status: Status


class RelationPublic(Public):
    id: uuid.UUID
    # As seen from the task in the path: "blocks" there is "blocked_by" from the other.
    kind: RelationKind
    task: RelatedTask
    created_at: datetime


class RelationsPublic(Public):
    items: list[RelationPublic]
