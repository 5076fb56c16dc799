"""Personal access tokens: made, listed and revoked by a session; used as a bearer token within
their scopes, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select, update

from events import types
from functions.core import runtime
from functions.core.security.personal_tokens import PREFIX, checksum, new_token
from functions.core.tables import personal_access_tokens
from tests.integration.test_event_producer import command, reply_event, send, task_of
from tests.support import User, assert_problem, create_project, signup

TOKENS = "/api/auth/tokens"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_token(api: AsyncClient, user: User, *scopes: str, **body: Any) -> dict[str, Any]:
    response = await api.post(
        TOKENS, json={"name": "script", "scopes": list(scopes), **body}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    created: dict[str, Any] = response.json()
    return created


def as_user(user: User, token: str) -> User:
    return User(id=user.id, email=user.email, access_token=token, refresh_token="")


async def test_a_token_is_made_listed_without_its_secret_and_used_on_a_read(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    project = await create_project(any_api, ana, "Scripts")
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    created = await make_token(
        any_api, ana, "tasks:read", "projects:read", expires_at=expires.isoformat()
    )
    token = created["token"]
    assert token.startswith(PREFIX)
    assert len(token) == 46
    assert created["name"] == "script"
    assert created["scopes"] == ["tasks:read", "projects:read"]
    assert created["last_used_at"] is None
    assert datetime.fromisoformat(created["expires_at"]) == expires

    listed = await any_api.get(TOKENS, headers=ana.headers)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert "token" not in item
    assert item == {k: v for k, v in created.items() if k != "token"}
    assert token not in listed.text

    tasks = await any_api.get("/api/tasks", headers=bearer(token))
    assert tasks.status_code == 200, tasks.text
    got = await any_api.get(f"/api/projects/{project['id']}", headers=bearer(token))
    assert got.status_code == 200, got.text
    [item] = (await any_api.get(TOKENS, headers=ana.headers)).json()["items"]
    assert item["last_used_at"] is not None

    # Nobody else sees or revokes it.
    ben = await signup(any_api, "ben")
    assert (await any_api.get(TOKENS, headers=ben.headers)).json() == {"items": []}
    assert_problem(await any_api.delete(f"{TOKENS}/{created['id']}", headers=ben.headers), 404)
    assert_problem(await any_api.delete(f"{TOKENS}/{uuid.uuid4()}", headers=ana.headers), 404)
    assert_problem(await any_api.delete(f"{TOKENS}/not-an-id", headers=ana.headers), 404)


async def test_a_call_outside_the_scopes_is_forbidden_naming_the_missing_scope(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    project = await create_project(any_api, ana)
    token = (await make_token(any_api, ana, "tasks:read"))["token"]
    refused = await any_api.post(
        "/api/tasks", json={"project_id": project["id"], "title": "No"}, headers=bearer(token)
    )
    body = assert_problem(refused, 403)
    assert body["detail"] == "this token lacks the scope tasks:write"
    assert body["missing_scope"] == "tasks:write"
    body = assert_problem(await any_api.get("/api/notifications", headers=bearer(token)), 403)
    assert body["missing_scope"] == "notifications:read"
    body = assert_problem(await any_api.get("/api/projects", headers=bearer(token)), 403)
    assert body["missing_scope"] == "projects:read"

    writer = (await make_token(any_api, ana, "tasks:write"))["token"]
    made = await any_api.post(
        "/api/tasks", json={"project_id": project["id"], "title": "Yes"}, headers=bearer(writer)
    )
    assert made.status_code == 201, made.text


async def test_a_token_cannot_manage_tokens_change_the_password_or_the_profile(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    every = ["tasks:read", "tasks:write", "projects:read", "projects:write"]
    token = (await make_token(any_api, ana, *every, "events:write", "notifications:read"))["token"]
    attempts = [
        ("POST", TOKENS, {"name": "more", "scopes": ["tasks:read"]}),
        ("GET", TOKENS, None),
        ("POST", "/api/auth/password", {"current_password": "x", "new_password": "y" * 12}),
        ("PATCH", "/api/auth/me", {"display_name": "Mallory"}),
        ("GET", "/api/auth/me", None),
        ("POST", "/api/calendar/feeds", {}),
        ("GET", "/api/notifications/webhooks", None),
    ]
    for method, path, body in attempts:
        answer = await any_api.request(method, path, json=body, headers=bearer(token))
        problem = assert_problem(answer, 403)
        assert problem["detail"] == f"personal access tokens cannot use {path}", path
        assert "missing_scope" not in problem
    token_id = (await any_api.get(TOKENS, headers=ana.headers)).json()["items"][0]["id"]
    assert_problem(await any_api.delete(f"{TOKENS}/{token_id}", headers=bearer(token)), 403)


async def test_a_revoked_token_is_refused_at_once(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    created = await make_token(any_api, ana, "tasks:read")
    assert (await any_api.get("/api/tasks", headers=bearer(created["token"]))).status_code == 200
    revoked = await any_api.delete(f"{TOKENS}/{created['id']}", headers=ana.headers)
    assert revoked.status_code == 204, revoked.text
    refused = assert_problem(await any_api.get("/api/tasks", headers=bearer(created["token"])), 401)
    assert "revoked" in refused["detail"]
    assert (await any_api.get(TOKENS, headers=ana.headers)).json() == {"items": []}
    # Revoked once: a second revocation finds nothing.
    assert_problem(await any_api.delete(f"{TOKENS}/{created['id']}", headers=ana.headers), 404)


async def test_an_expired_token_is_refused(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    created = await make_token(any_api, ana, "tasks:read")
    async with runtime.current().engine.begin() as conn:
        await conn.execute(
            update(personal_access_tokens)
            .where(personal_access_tokens.c.id == uuid.UUID(created["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    refused = assert_problem(await any_api.get("/api/tasks", headers=bearer(created["token"])), 401)
    assert refused["detail"] == "the personal access token has expired"


async def test_a_bad_checksum_or_an_unknown_token_is_refused(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    token = (await make_token(any_api, ana, "tasks:read"))["token"]
    random_part = token[len(PREFIX) : -6]
    other = "A" if random_part[0] != "A" else "B"
    typo = PREFIX + other + random_part[1:] + token[-6:]
    body = assert_problem(await any_api.get("/api/tasks", headers=bearer(typo)), 401)
    assert "checksum" in body["detail"]
    for bad in (PREFIX, PREFIX + "x" * 42, token + "0"):
        assert_problem(await any_api.get("/api/tasks", headers=bearer(bad)), 401)
    # Well formed, with a good checksum, but never made.
    unknown = new_token()
    body = assert_problem(await any_api.get("/api/tasks", headers=bearer(unknown)), 401)
    assert "unknown" in body["detail"]
    assert checksum(random_part) == token[-6:]


async def test_the_stored_row_holds_only_the_hash(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    created = await make_token(any_api, ana, "tasks:read")
    async with runtime.current().engine.connect() as conn:
        row = (
            await conn.execute(
                select(personal_access_tokens).where(
                    personal_access_tokens.c.id == uuid.UUID(created["id"])
                )
            )
        ).one()
    assert created["token"] not in str(tuple(row))
    assert len(row.token_hash) == 64
    assert row.scopes == ["tasks:read"]


async def test_bad_requests_to_make_a_token_are_unprocessable(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for body in (
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["tasks:read", "tasks:read"]},
        {"name": "x", "scopes": ["admin"]},
        {"name": "", "scopes": ["tasks:read"]},
        {"name": "x" * 101, "scopes": ["tasks:read"]},
        {"name": "x", "scopes": ["tasks:read"], "expires_at": past},
        {"scopes": ["tasks:read"]},
    ):
        answer = await any_api.post(TOKENS, json=body, headers=ana.headers)
        assert_problem(answer, 422)
        assert answer.json()["errors"], body


async def test_a_person_may_have_fifty_tokens(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": ana.id,
            "name": f"t{i}",
            "token_hash": new_token().encode().hex()[:64],
            "scopes": ["tasks:read"],
            "created_at": datetime.now(UTC),
        }
        for i in range(50)
    ]
    async with runtime.current().engine.begin() as conn:
        await conn.execute(personal_access_tokens.insert(), rows)
    answer = await any_api.post(
        TOKENS, json={"name": "one more", "scopes": ["tasks:read"]}, headers=ana.headers
    )
    assert_problem(answer, 409)
    await any_api.delete(f"{TOKENS}/{rows[0]['id']}", headers=ana.headers)
    await make_token(any_api, ana, "tasks:read")


async def test_an_events_write_token_creates_tasks_through_post_events(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "producer")
    project = await create_project(any_api, ana, "Imported")
    token = (await make_token(any_api, ana, "events:write", "tasks:read"))["token"]
    producer = as_user(ana, token)
    for structured in (False, True):
        sent = command({"project_id": project["id"], "title": f"From CRM {structured}"})
        created = reply_event(
            await send(any_api, producer, sent, structured=structured), structured=structured
        )
        assert created["type"] == types.TASK_CREATED
        assert created[types.ACTOR_ID] == str(ana.id)
        task = task_of(created)
        stored = await any_api.get(f"/api/tasks/{task['id']}", headers=bearer(token))
        assert stored.status_code == 200, stored.text
        assert stored.json()["title"] == f"From CRM {structured}"

    reader = as_user(ana, (await make_token(any_api, ana, "tasks:read"))["token"])
    for structured in (False, True):
        sent = command({"project_id": project["id"], "title": "Refused"})
        body = assert_problem(await send(any_api, reader, sent, structured=structured), 403)
        assert body["missing_scope"] == "events:write"
