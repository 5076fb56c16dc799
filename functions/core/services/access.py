"""Who may do what in a project: membership and role checks every service shares."""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.vocabulary import Role
from functions.core.errors import Forbidden, NotFound
from functions.core.tables import project_members

RANK: Final[dict[Role, int]] = {"viewer": 0, "editor": 1, "owner": 2}


async def role_in(conn: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID) -> Role | None:
    role = await conn.scalar(
        select(project_members.c.role).where(
            project_members.c.project_id == project_id,
            project_members.c.user_id == user_id,
        )
    )
    return role


async def require_role(
    conn: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    at_least: Role = "viewer",
    *,
    what: str = "project",
) -> Role:
    """The caller's role; a project they are not in does not exist for them (404)."""
    role = await role_in(conn, project_id, user_id)
    if role is None:
        raise NotFound(f"no such {what}")
    if RANK[role] < RANK[at_least]:
        raise Forbidden(f"this needs the {at_least} role in the project; you are {role}")
    return role
