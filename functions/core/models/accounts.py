"""Accounts and sessions on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints, model_validator

from functions.core.models.common import Public, Strict


def _without_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000: refuse it here (422), not in the database (500).
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


Password = Annotated[str, Field(min_length=8, max_length=1024)]
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_without_nul),
]


class RegisterRequest(Strict):
    email: EmailStr = Field(max_length=320)
    password: Password
    display_name: DisplayName


class LoginRequest(Strict):
    email: Annotated[str, Field(max_length=320), AfterValidator(_without_nul)]
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


class UserUpdate(Strict):
    """Only the fields sent change; neither may be null (leave a field out to keep it)."""

    display_name: DisplayName | None = None
    email: EmailStr | None = Field(default=None, max_length=320)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(name for name, value in data.items() if value is None)
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null; leave it out to keep it")
        return data


class PasswordChange(Strict):
    current_password: Annotated[str, Field(max_length=1024)]
    new_password: Password


class Jwks(Public):
    keys: list[dict[str, Any]]
