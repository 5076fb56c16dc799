"""Personal access tokens on the wire: long-lived, scoped tokens for scripts and producers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal, get_args

from pydantic import AfterValidator, Field, StringConstraints

from events.vocabulary import Instant, NoNul, NotBlank
from functions.core.models.common import Public, Strict

# What a token may do; functions/routes.py names the one each route needs.
Scope = Literal[
    "tasks:read",
    "tasks:write",
    "projects:read",
    "projects:write",
    "events:write",
    "notifications:read",
]
SCOPES: Final[tuple[str, ...]] = get_args(Scope)
MAX_TOKENS_PER_USER: Final = 50

TokenName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    NoNul,
    NotBlank,
]


def _unique(scopes: list[Scope]) -> list[Scope]:
    if len(set(scopes)) != len(scopes):
        raise ValueError("name each scope once")
    return scopes


Scopes = Annotated[
    list[Scope],
    Field(min_length=1, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_unique),
]


class PersonalTokenCreate(Strict):
    """A new token: what it is for, what it may do, and until when (null or absent: until it
    is revoked)."""

    name: TokenName
    scopes: Scopes
    # A future instant.
    expires_at: Instant | None = None


class PersonalTokenPublic(Public):
    """A token as listed: never its secret, which is shown only at creation."""

    id: uuid.UUID
    name: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    # When it was last used (to the minute); null until its first use.
    last_used_at: datetime | None


class PersonalTokenCreated(PersonalTokenPublic):
    """The answer to creating a token: the only time its secret is shown."""

    token: str


class PersonalTokensPublic(Public):
    """The caller's tokens that are not revoked, newest first."""

    items: list[PersonalTokenPublic]
