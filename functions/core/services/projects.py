"""Projects and their members: who belongs, with which role, and the rules that keep it sound.

Rules in one place:
- any signed-in user may create a project and becomes its owner;
- viewers read; editors and owners may also rename and describe a project; only owners
  delete it and manage its members;
- a project always keeps at least one owner; `projects.owner_id` names one of them;
- the Inbox is personal: it cannot be shared or deleted;
- whoever leaves a project (or is removed) stops being the assignee of its tasks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.vocabulary import Role
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.emails import normalise_email
from functions.core.errors import Conflict, NotFound
from functions.core.models.projects import (
    MemberAdd,
    MemberListQuery,
    MemberPublic,
    MembersPublic,
    MemberUpdate,
    ProjectCreate,
    ProjectListQuery,
    ProjectPublic,
    ProjectsPublic,
    ProjectSubscription,
    ProjectUpdate,
)
from functions.core.pagination import ListOrder, fetch_page
from functions.core.queries.task_rows import TASK_COLUMNS, tasks_from_rows
from functions.core.runtime import Runtime
from functions.core.services import task_events
from functions.core.services.access import require_role, role_in
from functions.core.tables import project_members, projects, tasks, users

PROJECT_ORDER: Final = "projects"
MEMBER_ORDER: Final = "members"
LAST_OWNER: Final = "a project needs at least one owner: make someone else an owner first"
INBOX_IS_PERSONAL: Final = "the Inbox is personal: it cannot be shared"

# The caller's own Inbox sorts first (0), then every other project (1), oldest first.
_inbox_first = case((projects.c.is_inbox, 0), else_=1)
_project_keys = (_inbox_first, projects.c.created_at, projects.c.id)
_member_keys = (project_members.c.created_at, project_members.c.user_id)
PROJECTS_IN_ORDER: Final = ListOrder[ProjectPublic](
    PROJECT_ORDER,
    _project_keys,
    (int, datetime, uuid.UUID),
    lambda p: (0 if p.is_inbox else 1, p.created_at, p.id),
)
MEMBERS_IN_ORDER: Final = ListOrder[MemberPublic](
    MEMBER_ORDER, _member_keys, (datetime, uuid.UUID), lambda m: (m.created_at, m.user_id)
)


@dataclass(frozen=True)
class _LockedProject:
    id: uuid.UUID
    is_inbox: bool
    owner_id: uuid.UUID
    name: str


def _projects_of(user_id: uuid.UUID) -> Select[Any]:
    """Projects joined with the caller's membership row, selected as `ProjectPublic`."""
    return select(
        projects.c.id,
        projects.c.name,
        projects.c.description,
        projects.c.owner_id,
        projects.c.is_inbox,
        project_members.c.role,
        projects.c.created_at,
        projects.c.updated_at,
        project_members.c.notify_new_tasks,
    ).join(
        project_members,
        (project_members.c.project_id == projects.c.id) & (project_members.c.user_id == user_id),
    )


def _members() -> Select[Any]:
    return select(
        project_members.c.user_id,
        users.c.email,
        users.c.display_name,
        project_members.c.role,
        project_members.c.created_at,
    ).join(users, users.c.id == project_members.c.user_id)


async def create_project(rt: Runtime, user_id: uuid.UUID, request: ProjectCreate) -> ProjectPublic:
    """A new project owned by its creator."""
    async with transaction(rt.engine) as conn:
        return await create_project_in(conn, user_id, request)


async def create_project_in(
    conn: AsyncConnection, user_id: uuid.UUID, request: ProjectCreate
) -> ProjectPublic:
    """As `create_project`, inside the caller's transaction."""
    project_id = uuid.uuid4()
    now = utcnow()
    await conn.execute(
        insert(projects).values(
            id=project_id,
            name=request.name,
            description=request.description,
            owner_id=user_id,
            is_inbox=False,
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        insert(project_members).values(
            project_id=project_id, user_id=user_id, role="owner", created_at=now
        )
    )
    return await _project(conn, user_id, project_id)


async def list_projects(rt: Runtime, user_id: uuid.UUID, query: ProjectListQuery) -> ProjectsPublic:
    """The caller's projects, Inbox first, then by age; keyset-paginated."""
    async with reading(rt.engine) as conn:
        items, next_cursor = await fetch_page(
            conn,
            _projects_of(user_id),
            PROJECTS_IN_ORDER,
            ProjectPublic,
            cursor=query.cursor,
            limit=query.limit,
        )
        return ProjectsPublic(items=items, next_cursor=next_cursor)


async def get_project(rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID) -> ProjectPublic:
    """One project with the caller's role; a project they are not in does not exist (404)."""
    async with reading(rt.engine) as conn:
        return await _project(conn, user_id, project_id)


async def update_project(
    rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID, changes: ProjectUpdate
) -> ProjectPublic:
    """Rename or describe a project (editors and owners)."""
    async with transaction(rt.engine) as conn:
        await require_role(conn, project_id, user_id, "editor")
        before = await _project(conn, user_id, project_id)
        values = changes.model_dump(exclude_unset=True)
        changed = [name for name, value in values.items() if getattr(before, name) != value]
        if not changed:
            return before
        await conn.execute(
            update(projects)
            .where(projects.c.id == project_id)
            .values(**values, updated_at=utcnow())
        )
        after = await _project(conn, user_id, project_id)
        await task_events.project_updated(conn, user_id, after, changed)
        return after


async def delete_project(rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
    """Delete a project with its tasks and comments (owners; never the Inbox)."""
    async with transaction(rt.engine) as conn:
        project = await _lock_for(conn, project_id, user_id, "owner")
        if project.is_inbox:
            raise Conflict("the Inbox cannot be deleted")
        # Tasks, comments and memberships go with it by ON DELETE CASCADE.
        await conn.execute(delete(projects).where(projects.c.id == project_id))
        await task_events.project_deleted(conn, user_id, project_id, project.name)


async def get_subscription(
    rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID
) -> ProjectSubscription:
    """Whether the caller hears of every new task in the project (members, any role)."""
    async with reading(rt.engine) as conn:
        return await _subscription(conn, user_id, project_id)


async def update_subscription(
    rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID, request: ProjectSubscription
) -> ProjectSubscription:
    """Ask to hear of every new task in the project, or only of the tasks one watches."""
    async with transaction(rt.engine) as conn:
        await require_role(conn, project_id, user_id)
        await conn.execute(
            update(project_members)
            .where(project_members.c.project_id == project_id)
            .where(project_members.c.user_id == user_id)
            .values(notify_new_tasks=request.new_tasks)
        )
        return await _subscription(conn, user_id, project_id)


async def _subscription(
    conn: AsyncConnection, user_id: uuid.UUID, project_id: uuid.UUID
) -> ProjectSubscription:
    wanted = await conn.scalar(
        select(project_members.c.notify_new_tasks).where(
            project_members.c.project_id == project_id, project_members.c.user_id == user_id
        )
    )
    if wanted is None:
        raise NotFound("no such project")
    return ProjectSubscription(new_tasks=wanted)


async def list_members(
    rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID, query: MemberListQuery
) -> MembersPublic:
    """A project's members with their names and roles, longest-standing first."""
    async with reading(rt.engine) as conn:
        await require_role(conn, project_id, user_id, "viewer")
        items, next_cursor = await fetch_page(
            conn,
            _members().where(project_members.c.project_id == project_id),
            MEMBERS_IN_ORDER,
            MemberPublic,
            cursor=query.cursor,
            limit=query.limit,
        )
        return MembersPublic(items=items, next_cursor=next_cursor)


async def add_member(
    rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID, request: MemberAdd
) -> MemberPublic:
    """Add an existing user, named by id or e-mail address, with a role (owners)."""
    async with transaction(rt.engine) as conn:
        return await add_member_in(conn, user_id, project_id, request)


async def add_member_in(
    conn: AsyncConnection, user_id: uuid.UUID, project_id: uuid.UUID, request: MemberAdd
) -> MemberPublic:
    """As `add_member`, inside the caller's transaction."""
    project = await _lock_for(conn, project_id, user_id, "owner")
    if project.is_inbox:
        raise Conflict(INBOX_IS_PERSONAL)
    found = (
        users.c.id == request.user_id
        if request.user_id is not None
        else users.c.email == normalise_email(str(request.email))
    )
    new_member_id = await conn.scalar(select(users.c.id).where(found))
    if new_member_id is None:
        raise NotFound("no such user")
    if await role_in(conn, project_id, new_member_id) is not None:
        raise Conflict("this user is a member of the project already")
    await conn.execute(
        insert(project_members).values(
            project_id=project_id, user_id=new_member_id, role=request.role, created_at=utcnow()
        )
    )
    member = await _member(conn, project_id, new_member_id)
    await task_events.member_added(conn, user_id, project_id, project.name, member)
    return member


async def change_member_role(
    rt: Runtime,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    member_id: uuid.UUID,
    change: MemberUpdate,
) -> MemberPublic:
    """Give a member another role (owners); the last owner cannot step down."""
    async with transaction(rt.engine) as conn:
        project = await _lock_for(conn, project_id, user_id, "owner")
        current = await role_in(conn, project_id, member_id)
        if current is None:
            raise NotFound("no such member")
        if current == "owner" and change.role != "owner":
            await _keep_an_owner(conn, project, member_id)
        if current != change.role:
            await conn.execute(
                update(project_members)
                .where(project_members.c.project_id == project_id)
                .where(project_members.c.user_id == member_id)
                .values(role=change.role)
            )
            await _hand_over_if_named(conn, project, member_id)
        member = await _member(conn, project_id, member_id)
        if current != change.role:
            await task_events.member_changed(
                conn, user_id, project_id, project.name, member, current
            )
        return member


async def remove_member(
    rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    """Owners remove anyone and members remove themselves, unless they are the last owner.

    The departing member's task assignments in the project are cleared in the same
    transaction: a task is only ever assigned to a member.
    """
    async with transaction(rt.engine) as conn:
        leaving = member_id == user_id
        project = await _lock_for(conn, project_id, user_id, "viewer" if leaving else "owner")
        current = await role_in(conn, project_id, member_id)
        if current is None:
            raise NotFound("no such member")
        if current == "owner":
            await _keep_an_owner(conn, project, member_id)
        member = await _member(conn, project_id, member_id)
        await conn.execute(
            delete(project_members)
            .where(project_members.c.project_id == project_id)
            .where(project_members.c.user_id == member_id)
        )
        held = tasks.c.project_id == project_id, tasks.c.assignee_id == member_id
        before = tasks_from_rows((await conn.execute(select(*TASK_COLUMNS).where(*held))).all())
        after = tasks_from_rows(
            (
                await conn.execute(
                    update(tasks)
                    .where(*held)
                    .values(assignee_id=None, version=tasks.c.version + 1, updated_at=utcnow())
                    .returning(*TASK_COLUMNS)
                )
            ).all()
        )
        await _hand_over_if_named(conn, project, member_id)
        by_id = {task.id: task for task in after}
        unassigned = [(task, by_id[task.id]) for task in before if task.id in by_id]
        await task_events.member_removed(
            conn, user_id, project_id, project.name, member, unassigned
        )


async def _project(
    conn: AsyncConnection, user_id: uuid.UUID, project_id: uuid.UUID
) -> ProjectPublic:
    row = (await conn.execute(_projects_of(user_id).where(projects.c.id == project_id))).first()
    if row is None:
        raise NotFound("no such project")
    return ProjectPublic.model_validate(row)


async def _lock_for(
    conn: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, at_least: Role
) -> _LockedProject:
    """Lock the project row, then check the caller's role.

    Every membership write takes this lock first, so two owners stepping down at once
    cannot both see the other as the remaining owner. NO KEY UPDATE leaves concurrent
    task inserts (which take KEY SHARE through their foreign key) unblocked.
    """
    project = (
        await conn.execute(
            select(projects.c.id, projects.c.is_inbox, projects.c.owner_id, projects.c.name)
            .where(projects.c.id == project_id)
            .with_for_update(key_share=True)
        )
    ).first()
    if project is None:
        raise NotFound("no such project")
    await require_role(conn, project_id, user_id, at_least)
    return _LockedProject(project.id, project.is_inbox, project.owner_id, project.name)


async def _keep_an_owner(
    conn: AsyncConnection, project: _LockedProject, leaving: uuid.UUID
) -> None:
    """Refuse to let `leaving` stop being an owner if no other owner remains."""
    others = await conn.scalar(
        select(func.count())
        .select_from(project_members)
        .where(project_members.c.project_id == project.id)
        .where(project_members.c.role == "owner")
        .where(project_members.c.user_id != leaving)
    )
    if not others:
        raise Conflict(LAST_OWNER)


async def _hand_over_if_named(
    conn: AsyncConnection, project: _LockedProject, former_owner: uuid.UUID
) -> None:
    """Keep `projects.owner_id` naming an owner: the longest-standing one takes over."""
    if project.owner_id != former_owner:
        return
    successor = await conn.scalar(
        select(project_members.c.user_id)
        .where(project_members.c.project_id == project.id)
        .where(project_members.c.role == "owner")
        .order_by(*_member_keys)
        .limit(1)
    )
    await conn.execute(
        update(projects)
        .where(projects.c.id == project.id)
        .values(owner_id=successor, updated_at=utcnow())
    )


async def _member(conn: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID) -> MemberPublic:
    row = (
        await conn.execute(
            _members()
            .where(project_members.c.project_id == project_id)
            .where(project_members.c.user_id == user_id)
        )
    ).one()
    return MemberPublic.model_validate(row)
