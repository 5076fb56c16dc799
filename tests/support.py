"""Helpers tests share: making users and reading problem bodies."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient, Response

PASSWORD = "correct horse battery staple"


@dataclass
class User:
    id: uuid.UUID
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def signup(api: AsyncClient, name: str = "user", password: str = PASSWORD) -> User:
    """Register a fresh account (unique e-mail) and return it signed in."""
    email = f"{name}-{secrets.token_hex(4)}@example.com"
    response = await api.post(
        "/api/auth/register",
        json={"email": email, "password": password, "display_name": name.title()},
    )
    assert response.status_code == 201, response.text
    tokens = response.json()
    me = await api.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200, me.text
    api.cookies.clear()  # each test user speaks with explicit tokens, not a shared cookie jar
    return User(
        id=uuid.UUID(me.json()["id"]),
        email=email,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body
