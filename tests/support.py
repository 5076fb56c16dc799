"""Helpers tests share: making users and reading problem bodies."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from httpx import ASGITransport, AsyncClient, Response

from functions.core import runtime
from functions.core.runtime import Runtime
from functions.gateway import create_app

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


async def create_project(
    api: AsyncClient, owner: User, name: str = "Launch", description: str = ""
) -> dict[str, Any]:
    """A new project owned by `owner`, as the API answered it."""
    response = await api.post(
        "/api/projects", json={"name": name, "description": description}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def share_project(
    api: AsyncClient, owner: User, project_id: str, member: User, role: str = "editor"
) -> None:
    """Make `member` a member of the owner's project with `role`."""
    response = await api.post(
        f"/api/projects/{project_id}/members",
        json={"user_id": str(member.id), "role": role},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


@asynccontextmanager
async def serve(rt: Runtime, client_address: str = "203.0.113.7") -> AsyncIterator[AsyncClient]:
    """The gateway in process on a runtime the test built, seen from `client_address`."""
    previous = runtime.install(rt)
    try:
        async with AsyncClient(
            transport=ASGITransport(app=create_app(rt), client=(client_address, 50000)),
            base_url="http://taskflow.test",
        ) as client:
            yield client
    finally:
        runtime.install(previous)
