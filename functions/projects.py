"""Project functions: create, list, read, rename, delete projects, and manage their members.

Roles: viewers read; editors may also rename and describe a project; owners also delete it
and add, re-role and remove members. Anyone may leave a project (unless they are its last
owner). A project the caller is not in answers 404, whatever the request.
"""

from __future__ import annotations

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
from functions.core.services import projects
from functions.edge import Call, endpoint


@endpoint(body=ProjectCreate, response=ProjectPublic, status=201)
async def create_project(call: Call[ProjectCreate, None]) -> ProjectPublic:
    """Create a project; the caller becomes its owner."""
    return await projects.create_project(call.rt, call.user.user_id, call.body)


@endpoint(query=ProjectListQuery, response=ProjectsPublic)
async def list_projects(call: Call[None, ProjectListQuery]) -> ProjectsPublic:
    """The projects the caller belongs to, with their role (Inbox first)."""
    return await projects.list_projects(call.rt, call.user.user_id, call.query)


@endpoint(response=ProjectPublic)
async def get_project(call: Call[None, None]) -> ProjectPublic:
    """One project, with the caller's role in it."""
    return await projects.get_project(call.rt, call.user.user_id, call.path_uuid("project_id"))


@endpoint(body=ProjectUpdate, response=ProjectPublic)
async def update_project(call: Call[ProjectUpdate, None]) -> ProjectPublic:
    """Rename or describe a project (editors and owners)."""
    return await projects.update_project(
        call.rt, call.user.user_id, call.path_uuid("project_id"), call.body
    )


@endpoint(status=204)
async def delete_project(call: Call[None, None]) -> None:
    """Delete a project with its tasks and comments (owners; not the Inbox)."""
    await projects.delete_project(call.rt, call.user.user_id, call.path_uuid("project_id"))


@endpoint(response=ProjectSubscription)
async def get_subscription(call: Call[None, None]) -> ProjectSubscription:
    """Whether the caller is told of every new task in the project (`new_tasks`)."""
    return await projects.get_subscription(call.rt, call.user.user_id, call.path_uuid("project_id"))


@endpoint(body=ProjectSubscription, response=ProjectSubscription)
async def update_subscription(call: Call[ProjectSubscription, None]) -> ProjectSubscription:
    """Be told of every new task in the project, or only of the tasks one watches (members)."""
    return await projects.update_subscription(
        call.rt, call.user.user_id, call.path_uuid("project_id"), call.body
    )


@endpoint(query=MemberListQuery, response=MembersPublic)
async def list_members(call: Call[None, MemberListQuery]) -> MembersPublic:
    """A project's members, with their e-mail addresses, names and roles."""
    return await projects.list_members(
        call.rt, call.user.user_id, call.path_uuid("project_id"), call.query
    )


@endpoint(body=MemberAdd, response=MemberPublic, status=201)
async def add_member(call: Call[MemberAdd, None]) -> MemberPublic:
    """Add a user to a project by id or e-mail address (owners)."""
    return await projects.add_member(
        call.rt, call.user.user_id, call.path_uuid("project_id"), call.body
    )


@endpoint(body=MemberUpdate, response=MemberPublic)
async def change_member_role(call: Call[MemberUpdate, None]) -> MemberPublic:
    """Give a member another role (owners); the last owner cannot step down."""
    return await projects.change_member_role(
        call.rt,
        call.user.user_id,
        call.path_uuid("project_id"),
        call.path_uuid("user_id"),
        call.body,
    )


@endpoint(status=204)
async def remove_member(call: Call[None, None]) -> None:
    """Remove a member (owners), or leave a project (anyone but its last owner)."""
    await projects.remove_member(
        call.rt, call.user.user_id, call.path_uuid("project_id"), call.path_uuid("user_id")
    )
