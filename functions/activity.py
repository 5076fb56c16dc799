"""Activity functions: record each change to a task in its history, and read the history of a
task or of a whole project."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.core.models.activity import ActivityListQuery, ActivityPage
from functions.core.runtime import Runtime
from functions.core.services import activity
from functions.edge import Call, endpoint
from functions.sink import event_sink

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent


@event_sink
async def record_activity(rt: Runtime, event: CloudEvent) -> None:
    """Add a change to its task's history, once however often it arrives."""
    await activity.record(rt, event)


@endpoint(query=ActivityListQuery, response=ActivityPage)
async def task_activity(call: Call[None, ActivityListQuery]) -> ActivityPage:
    """A task's history, newest first: who created, changed, moved, assigned, commented on or
    deleted it, and what changed. Still readable, by its project's members, once it is deleted."""
    return await activity.list_task_activity(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.query
    )


@endpoint(query=ActivityListQuery, response=ActivityPage)
async def project_activity(call: Call[None, ActivityListQuery]) -> ActivityPage:
    """The history of every task in a project, newest first."""
    return await activity.list_project_activity(
        call.rt, call.user.user_id, call.path_uuid("project_id"), call.query
    )
