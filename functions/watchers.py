"""Watcher functions: who follows a task, and following or leaving it oneself."""

from __future__ import annotations

from functions.core.models.tasks import WatchersPublic
from functions.core.services import watchers
from functions.edge import Call, endpoint


@endpoint(response=WatchersPublic)
async def list_watchers(call: Call[None, None]) -> WatchersPublic:
    """A task's watchers and why each follows it; whether the caller does."""
    return await watchers.list_watchers(call.rt, call.user.user_id, call.path_uuid("task_id"))


@endpoint(response=WatchersPublic)
async def watch_task(call: Call[None, None]) -> WatchersPublic:
    """Follow a task: be told what happens to it (any member, viewers too)."""
    return await watchers.watch(call.rt, call.user.user_id, call.path_uuid("task_id"))


@endpoint(response=WatchersPublic)
async def unwatch_task(call: Call[None, None]) -> WatchersPublic:
    """Stop following a task, whatever made you a watcher, until you watch it again or are
    mentioned in it."""
    return await watchers.unwatch(call.rt, call.user.user_id, call.path_uuid("task_id"))
