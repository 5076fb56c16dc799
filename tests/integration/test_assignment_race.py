"""An assignment and the assignee's removal from the project, interleaved on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

from httpx import AsyncClient
from sqlalchemy import text, update

from functions.core.runtime import Runtime
from functions.core.services.task_commands import require_assignable
from functions.core.tables import tasks
from tests.integration.helpers_tasks import create_task, read_task_row
from tests.support import create_project, share_project, signup

POLLS, POLL_SECONDS = 250, 0.02  # at most 5 s


async def _until_a_backend_waits_on_a_lock(rt: Runtime) -> None:
    """Poll PostgreSQL until some session of this database waits on a lock (bounded)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(POLLS):
        async with rt.engine.connect() as conn:
            if await conn.scalar(waiting):
                return
        await asyncio.sleep(POLL_SECONDS)


async def test_a_member_removed_while_being_assigned_is_never_left_assigned(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    owner, member = await signup(api, "owner"), await signup(api, "leaver")
    project = await create_project(api, owner)
    await share_project(api, owner, project["id"], member)
    task = await create_task(api, owner, uuid.UUID(project["id"]))

    # The assignment's transaction has checked membership, and not yet written.
    async with pg_runtime.engine.connect() as assigning:
        await assigning.begin()
        await require_assignable(assigning, [uuid.UUID(project["id"])], member.id)
        removal = asyncio.create_task(
            api.delete(f"/api/projects/{project['id']}/members/{member.id}", headers=owner.headers)
        )
        # The removal must wait for the assignment rather than slip in before it.
        await _until_a_backend_waits_on_a_lock(pg_runtime)
        await assigning.execute(
            update(tasks).where(tasks.c.id == uuid.UUID(task["id"])).values(assignee_id=member.id)
        )
        await assigning.commit()
    assert (await removal).status_code == 204
    row = await read_task_row(task["id"])
    assert row is not None
    assert row["assignee_id"] is None
