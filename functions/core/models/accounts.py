"""Accounts and sessions on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from events.vocabulary import NoNul, NotBlank
from functions.core.models.common import Email, Patch, Public, Strict

Password = Annotated[str, Field(min_length=8, max_length=1024)]
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    NoNul,
    NotBlank,
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
    created_at: datetime
    updated_at: datetime


class UserUpdate(Patch):
    """Only the fields sent change; neither may be null (leave a field out to keep it)."""

    display_name: DisplayName | None = None
    email: Email | None = None


class PasswordChange(Strict):
    current_password: Annotated[str, Field(max_length=1024)]
    new_password: Password
