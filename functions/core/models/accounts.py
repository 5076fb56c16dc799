"""Accounts and sessions on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from events.vocabulary import NoNul, NotBlank
from functions.core.models.common import Email, Patch, Public, Strict
from functions.core.time_zones import MAX_LENGTH, UNKNOWN, is_time_zone, known_zones

Password = Annotated[str, Field(min_length=8, max_length=1024)]
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    NoNul,
    NotBlank,
]


def _known_time_zone(name: str) -> str:
    if not is_time_zone(name):
        raise ValueError(f"{name!r} {UNKNOWN}")
    return name


def _every_zone(schema: dict[str, Any]) -> None:
    # The document lists the names (built when the document is, not at import).
    schema["enum"] = sorted(known_zones())


# An IANA name; times in notices and e-mails are written in it.
TimeZoneName = Annotated[
    str,
    Field(max_length=MAX_LENGTH, examples=["Europe/Lisbon"], json_schema_extra=_every_zone),
    AfterValidator(_known_time_zone),
]


class RegisterRequest(Strict):
    email: Email
    password: Password
    display_name: DisplayName


class LoginRequest(Strict):
    email: Annotated[str, Field(max_length=320), NoNul]
    password: Annotated[str, Field(max_length=1024)]


class RefreshRequest(Strict):
    """The refresh token; browsers omit it and send the httpOnly cookie instead."""

    refresh_token: Annotated[str, Field(max_length=256)] | None = None


class TokenPair(Public):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class UserPublic(Public):
    id: uuid.UUID
    email: str
    display_name: str
    # An IANA name, or null until chosen (times are then written in UTC).
    time_zone: str | None
    # Whether a link mailed to this address was followed: only then are notification
    # e-mails sent to it. A new or changed address starts unverified.
    email_verified: bool
    created_at: datetime
    updated_at: datetime


class UserUpdate(Patch):
    """Only the fields sent change; display name and e-mail may not be null (leave a field out
    to keep it); a null time zone clears it (times are then written in UTC)."""

    clearable = frozenset({"time_zone"})

    display_name: DisplayName | None = None
    email: Email | None = None
    time_zone: TimeZoneName | None = None


class PasswordChange(Strict):
    current_password: Annotated[str, Field(max_length=1024)]
    new_password: Password
