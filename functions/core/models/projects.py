"""Projects and their members on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool, StringConstraints, model_validator

from events.vocabulary import NoNul, NotBlank, Role
from functions.core.models.common import (
    DEFAULT_PAGE,
    Cursor,
    Email,
    PageLimit,
    Patch,
    Public,
    Strict,
)

ProjectName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    NoNul,
    NotBlank,
]
ProjectDescription = Annotated[str, Field(max_length=2000), NoNul]


class ProjectCreate(Strict):
    name: ProjectName
    description: ProjectDescription = ""


class ProjectUpdate(Patch):
    """PATCH: only the fields sent change; send `""` (not null) to clear the description."""

    name: ProjectName | None = None
    description: ProjectDescription | None = None


class ProjectPublic(Public):
    id: uuid.UUID
    name: str
    description: str
    owner_id: uuid.UUID
    is_inbox: bool
    role: Role
    created_at: datetime
    updated_at: datetime
    # Whether the caller asked to hear of every new task here (see ProjectSubscription).
    notify_new_tasks: bool


class ProjectsPublic(Public):
    items: list[ProjectPublic]
    next_cursor: str | None = None


class ProjectListQuery(Strict):
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor | None = None


class MemberAdd(Strict):
    """Name the new member by `user_id` or by `email`, not both."""

    # Exactly one of the two names someone: the one that is present and not null.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["user_id"], "properties": {"user_id": {"type": "string"}}},
                {"required": ["email"], "properties": {"email": {"type": "string"}}},
            ]
        }
    )

    user_id: uuid.UUID | None = None
    email: Email | None = None
    role: Role = "editor"

    @model_validator(mode="after")
    def _one_way_to_name_the_user(self) -> MemberAdd:
        if (self.user_id is None) == (self.email is None):
            raise ValueError("give exactly one of user_id and email")
        return self


class MemberUpdate(Strict):
    role: Role


class MemberListQuery(Strict):
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor | None = None


class MemberPublic(Public):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: Role
    created_at: datetime


class MembersPublic(Public):
    items: list[MemberPublic]
    next_cursor: str | None = None


class ProjectSubscription(Strict):
    """What a member hears of in a project beyond the tasks they watch: `new_tasks`, every
    task created there."""

    new_tasks: StrictBool
