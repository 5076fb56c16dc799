"""Task functions: create, list, count, bulk-change, read, change and delete tasks."""

from __future__ import annotations

import re
from typing import Any

from functions.core.models.tasks import (
    TaskBulkUpdate,
    TaskCreate,
    TaskListQuery,
    TaskPublic,
    TasksPublic,
    TaskStats,
    TaskStatsQuery,
    TaskUpdate,
)
from functions.core.services import task_reads
from functions.edge import Call, Reply, endpoint

# A process serves one of these functions: the write path (task_commands, with the events it
# records and their models) is imported by the handlers that write, on their first call, so
# list_tasks and get_task start without it.

# A strong entity tag holding a version: `"3"` (or bare `3`); weak tags never match If-Match.
_VERSION_TAG = re.compile(r'"?([0-9]{1,9})"?')


def _tagged(task: TaskPublic, status: int = 200, **headers: str) -> Reply:
    return Reply(task, status=status, headers={"ETag": f'"{task.version}"', **headers})


def _if_match(call: Call[Any, Any]) -> list[int] | None:
    """The versions an If-Match header accepts; None when any version will do."""
    header = call.request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    tags = (_VERSION_TAG.fullmatch(tag.strip()) for tag in header.split(","))
    return [int(tag.group(1)) for tag in tags if tag]


@endpoint(body=TaskCreate, response=TaskPublic, status=201)
async def create_task(call: Call[TaskCreate, None]) -> Reply:
    """Create a task in a project where you are an editor or owner."""
    from functions.core.services import task_commands

    task = await task_commands.create_task(call.rt, call.user.user_id, call.body)
    return _tagged(task, 201, Location=f"/api/tasks/{task.id}")


@endpoint(query=TaskListQuery, response=TasksPublic)
async def list_tasks(call: Call[None, TaskListQuery]) -> TasksPublic:
    """List, filter, search and sort the tasks of your projects, one page at a time."""
    return await task_reads.list_tasks(call.rt, call.user.user_id, call.query)


@endpoint(query=TaskStatsQuery, response=TaskStats)
async def task_stats(call: Call[None, TaskStatsQuery]) -> TaskStats:
    """Count tasks by status and priority, and the overdue ones."""
    return await task_reads.task_stats(call.rt, call.user.user_id, call.query)


@endpoint(body=TaskBulkUpdate, response=TasksPublic)
async def bulk_update_tasks(call: Call[TaskBulkUpdate, None]) -> TasksPublic:
    """Set the same fields on up to 100 tasks: all of them change, or none does."""
    from functions.core.services import task_commands

    items = await task_commands.bulk_update_tasks(call.rt, call.user.user_id, call.body)
    return TasksPublic(items=items)


@endpoint(response=TaskPublic)
async def get_task(call: Call[None, None]) -> Reply:
    """Read one task; its ETag is its version."""
    task = await task_reads.get_task(call.rt, call.user.user_id, call.path_uuid("task_id"))
    return _tagged(task)


IF_MATCH_DOC = 'The version read, as its ETag (`"3"`): a stale one gets 412.'


@endpoint(body=TaskUpdate, response=TaskPublic, headers={"If-Match": IF_MATCH_DOC})
async def update_task(call: Call[TaskUpdate, None]) -> Reply:
    """Change the fields sent; If-Match (412) or `version` (409) guard against lost updates."""
    from functions.core.services import task_commands

    task = await task_commands.update_task(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.body, if_match=_if_match(call)
    )
    return _tagged(task)


@endpoint(status=204)
async def delete_task(call: Call[None, None]) -> None:
    """Delete a task with its subtasks, the whole subtree, and their comments.

    Each task deleted has its own task.deleted event (subtasks are deleted, not detached)."""
    from functions.core.services import task_commands

    await task_commands.delete_task(call.rt, call.user.user_id, call.path_uuid("task_id"))
