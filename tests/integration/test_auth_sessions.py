"""Sessions: refresh-token rotation and reuse detection, logout, and password changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import update

from functions.auth import REFRESH_COOKIE
from functions.core.clock import utcnow
from functions.core.runtime import Runtime
from functions.core.services.accounts import hash_refresh_token
from functions.core.tables import refresh_tokens
from tests.conftest import _client
from tests.support import PASSWORD, User, assert_problem, signup

NEW_PASSWORD = "a different, longer passphrase"


@pytest.fixture
def backend_runtime(backend: str, pg_runtime: Runtime, embedded_runtime: Runtime) -> Runtime:
    """The runtime behind `any_api` in this run of the test."""
    return pg_runtime if backend == "postgres" else embedded_runtime


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refresh(api: AsyncClient, token: str) -> Response:
    return await api.post("/api/auth/refresh", json={"refresh_token": token})


async def me(api: AsyncClient, access_token: str) -> Response:
    return await api.get("/api/auth/me", headers=bearer(access_token))


async def login(api: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await api.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    api.cookies.clear()
    tokens: dict[str, str] = response.json()
    return tokens


def assert_refused(response: Response) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def refresh_cookie_header(response: Response) -> str:
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if REFRESH_COOKIE in c]
    return cookie.lower()


# Refresh


async def test_a_refresh_gives_a_new_pair_and_the_new_tokens_work(any_api: AsyncClient) -> None:
    user = await signup(any_api)

    response = await refresh(any_api, user.refresh_token)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["refresh_token"] != user.refresh_token
    assert tokens["access_token"] != user.access_token
    assert (await me(any_api, tokens["access_token"])).json()["id"] == str(user.id)
    assert (await refresh(any_api, tokens["refresh_token"])).status_code == 200


async def test_a_refresh_token_works_only_once(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    assert (await refresh(any_api, user.refresh_token)).status_code == 200

    assert_refused(await refresh(any_api, user.refresh_token))


async def test_reusing_a_refresh_token_ends_the_whole_session(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    second = (await refresh(any_api, user.refresh_token)).json()
    third = (await refresh(any_api, second["refresh_token"])).json()

    assert_refused(await refresh(any_api, user.refresh_token))  # a stolen copy, replayed

    assert_refused(await refresh(any_api, third["refresh_token"]))
    assert_refused(await me(any_api, third["access_token"]))
    assert_refused(await me(any_api, second["access_token"]))
    assert_refused(await me(any_api, user.access_token))


async def test_reuse_in_one_session_leaves_the_others_alone(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    other = await login(any_api, user.email)
    await refresh(any_api, user.refresh_token)

    assert_refused(await refresh(any_api, user.refresh_token))

    assert (await me(any_api, other["access_token"])).status_code == 200
    assert (await refresh(any_api, other["refresh_token"])).status_code == 200


async def test_two_concurrent_refreshes_with_one_token_let_exactly_one_through(
    any_api: AsyncClient,
) -> None:
    user = await signup(any_api)

    responses = await asyncio.gather(
        refresh(any_api, user.refresh_token), refresh(any_api, user.refresh_token)
    )

    assert sorted(r.status_code for r in responses) == [200, 401]
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    # The loser looks like a replayed token, so the family ends: the winner signs in again.
    assert_refused(await refresh(any_api, winner["refresh_token"]))
    assert_refused(await me(any_api, winner["access_token"]))


async def test_the_refresh_token_can_come_from_the_cookie(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    signed_in = await any_api.post(
        "/api/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    cookie = refresh_cookie_header(signed_in)
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/api/auth" in cookie

    response = await any_api.post("/api/auth/refresh")

    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] != signed_in.json()["refresh_token"]
    assert f"{REFRESH_COOKIE}={response.json()['refresh_token']}" in response.headers["set-cookie"]
    any_api.cookies.clear()


async def test_a_refresh_without_any_token_is_refused(any_api: AsyncClient) -> None:
    assert_refused(await any_api.post("/api/auth/refresh"))
    assert_refused(await any_api.post("/api/auth/refresh", json={}))
    assert_refused(await any_api.post("/api/auth/refresh", json={"refresh_token": ""}))


async def test_an_unknown_refresh_token_is_refused(any_api: AsyncClient) -> None:
    assert_refused(await refresh(any_api, "this-token-was-never-issued"))


async def test_an_expired_refresh_token_is_refused(
    any_api: AsyncClient, backend_runtime: Runtime
) -> None:
    user = await signup(any_api)
    async with backend_runtime.engine.begin() as conn:
        await conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == hash_refresh_token(user.refresh_token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    assert_refused(await refresh(any_api, user.refresh_token))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"refresh_token": 5}, 422),
        ({"refresh_token": "x", "user_id": "someone"}, 422),
        ({"refresh_token": "x" * 300}, 422),
        ("not json", 400),
    ],
    ids=["not a string", "unknown field", "too long", "malformed"],
)
async def test_a_malformed_refresh_request_is_a_client_error(
    any_api: AsyncClient, body: object, status: int
) -> None:
    if isinstance(body, str):
        response = await any_api.post(
            "/api/auth/refresh", content=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = await any_api.post("/api/auth/refresh", json=body)

    assert_problem(response, status)


# Logout


async def test_logout_ends_the_access_token_and_the_refresh_token(any_api: AsyncClient) -> None:
    user = await signup(any_api)

    response = await any_api.post("/api/auth/logout", headers=user.headers)

    assert response.status_code == 204, response.text
    assert response.content == b""
    cookie = refresh_cookie_header(response)
    assert "max-age=0" in cookie
    assert "path=/api/auth" in cookie
    assert_refused(await me(any_api, user.access_token))
    assert_refused(await refresh(any_api, user.refresh_token))


async def test_logout_ends_every_token_of_the_session(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    latest = (await refresh(any_api, user.refresh_token)).json()

    await any_api.post("/api/auth/logout", headers=bearer(latest["access_token"]))

    assert_refused(await me(any_api, user.access_token))  # the earlier one, still unexpired
    assert_refused(await me(any_api, latest["access_token"]))
    assert_refused(await refresh(any_api, latest["refresh_token"]))


async def test_logout_leaves_the_other_sessions_signed_in(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    other = await login(any_api, user.email)

    await any_api.post("/api/auth/logout", headers=user.headers)

    assert (await me(any_api, other["access_token"])).status_code == 200
    assert (await refresh(any_api, other["refresh_token"])).status_code == 200


async def test_logging_out_twice_is_refused_the_second_time(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    assert (await any_api.post("/api/auth/logout", headers=user.headers)).status_code == 204

    assert_refused(await any_api.post("/api/auth/logout", headers=user.headers))


async def test_logout_needs_an_access_token(any_api: AsyncClient) -> None:
    assert_refused(await any_api.post("/api/auth/logout"))


# Password change


async def change_password(
    api: AsyncClient, user: User, current: str = PASSWORD, new: str = NEW_PASSWORD
) -> Response:
    return await api.post(
        "/api/auth/password",
        json={"current_password": current, "new_password": new},
        headers=user.headers,
    )


async def test_a_password_change_ends_every_session_and_starts_a_new_one(
    any_api: AsyncClient,
) -> None:
    user = await signup(any_api)
    other = await login(any_api, user.email)

    response = await change_password(any_api, user)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert REFRESH_COOKIE in response.headers["set-cookie"]
    any_api.cookies.clear()
    fresh = response.json()
    for ended in (user.access_token, other["access_token"]):
        assert_refused(await me(any_api, ended))
    for ended in (user.refresh_token, other["refresh_token"]):
        assert_refused(await refresh(any_api, ended))
    assert (await me(any_api, fresh["access_token"])).status_code == 200
    assert (await refresh(any_api, fresh["refresh_token"])).status_code == 200


async def test_after_a_password_change_only_the_new_password_signs_in(
    any_api: AsyncClient,
) -> None:
    user = await signup(any_api)
    await change_password(any_api, user)
    any_api.cookies.clear()

    old = await any_api.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_refused(old)
    await login(any_api, user.email, NEW_PASSWORD)


async def test_a_wrong_current_password_is_forbidden_and_changes_nothing(
    any_api: AsyncClient,
) -> None:
    user = await signup(any_api)

    response = await change_password(any_api, user, current="not the password")

    assert_problem(response, 403)
    assert (await me(any_api, user.access_token)).status_code == 200
    await login(any_api, user.email, PASSWORD)


async def test_a_too_short_new_password_is_invalid(any_api: AsyncClient) -> None:
    user = await signup(any_api)

    assert_problem(await change_password(any_api, user, new="short"), 422)


async def test_a_password_change_needs_an_access_token(any_api: AsyncClient) -> None:
    response = await any_api.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert_refused(response)


@pytest.fixture
async def graceful_api(pg_runtime: Runtime) -> AsyncIterator[AsyncClient]:
    """The gateway on the real servers, with a reuse grace of one second."""
    settings = pg_runtime.settings.model_copy(update={"refresh_reuse_grace_seconds": 1})
    rt = Runtime(settings)
    try:
        async with _client(rt) as client:
            yield client
    finally:
        await rt.close()


async def test_a_token_presented_again_within_the_grace_keeps_the_session(
    graceful_api: AsyncClient,
) -> None:
    """A reload that cut off the first answer sends the old cookie again: not a theft."""
    user = await signup(graceful_api)
    first = await refresh(graceful_api, user.refresh_token)
    again = await refresh(graceful_api, user.refresh_token)

    assert (first.status_code, again.status_code) == (200, 200)
    for tokens in (first.json(), again.json()):
        assert (await me(graceful_api, tokens["access_token"])).status_code == 200
        assert (await refresh(graceful_api, tokens["refresh_token"])).status_code == 200


async def test_two_concurrent_refreshes_within_the_grace_both_get_through(
    graceful_api: AsyncClient,
) -> None:
    user = await signup(graceful_api)

    responses = await asyncio.gather(
        refresh(graceful_api, user.refresh_token), refresh(graceful_api, user.refresh_token)
    )

    assert [r.status_code for r in responses] == [200, 200]
    pairs = [r.json() for r in responses]
    assert pairs[0]["refresh_token"] != pairs[1]["refresh_token"]


async def test_a_replay_after_the_grace_still_ends_the_whole_session(
    graceful_api: AsyncClient,
) -> None:
    user = await signup(graceful_api)
    rotated = (await refresh(graceful_api, user.refresh_token)).json()
    await asyncio.sleep(1.2)

    assert_refused(await refresh(graceful_api, user.refresh_token))

    assert_refused(await refresh(graceful_api, rotated["refresh_token"]))
    assert_refused(await me(graceful_api, rotated["access_token"]))
