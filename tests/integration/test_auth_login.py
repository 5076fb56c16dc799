"""Registration and sign-in: tokens, enumeration safety, and password-hash upgrades."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import AsyncIterator

import argon2
import pytest
from httpx import AsyncClient, Response
from sqlalchemy import select, update

from functions.auth import REFRESH_COOKIE
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.core.tables import users
from tests.support import PASSWORD, assert_problem, serve, signup

TIMING_ATTEMPTS = 15


@pytest.fixture
def backend_runtime(backend: str, pg_runtime: Runtime, embedded_runtime: Runtime) -> Runtime:
    """The runtime behind `any_api` in this run of the test."""
    return pg_runtime if backend == "postgres" else embedded_runtime


@pytest.fixture
async def production_hashing(pg_runtime: Runtime) -> AsyncIterator[Runtime]:
    """The real servers with the default argon2 profile, so that hashing weighs as in production."""
    defaults = Settings.model_fields
    rt = Runtime(
        pg_runtime.settings.model_copy(
            update={
                name: defaults[name].default
                for name in ("argon2_time_cost", "argon2_memory_kib", "argon2_parallelism")
            }
        )
    )
    yield rt
    await rt.close()


async def login(api: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    response = await api.post("/api/auth/login", json={"email": email, "password": password})
    api.cookies.clear()
    return response


async def stored_hash(rt: Runtime, user_id: uuid.UUID) -> str:
    async with rt.engine.connect() as conn:
        hashed = await conn.scalar(select(users.c.password_hash).where(users.c.id == user_id))
    assert isinstance(hashed, str)
    return hashed


async def test_registering_signs_in(any_api: AsyncClient) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"

    response = await any_api.post(
        "/api/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": "New"},
    )
    any_api.cookies.clear()

    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    assert REFRESH_COOKIE in response.headers["set-cookie"]
    tokens = response.json()
    me = await any_api.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["email"] == email


@pytest.mark.parametrize(
    "changes",
    [{"display_name": "Nul\u0000Name"}, {"email": "nul\u0000@example.com"}, {"password": "short"}],
    ids=["NUL in the name", "NUL in the email", "short password"],
)
async def test_an_invalid_registration_is_refused_with_422(
    any_api: AsyncClient, changes: dict[str, str]
) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "display_name": "New"} | changes

    response = await any_api.post("/api/auth/register", json=body)

    assert_problem(response, 422)


async def test_an_address_registered_already_is_a_conflict_whatever_its_case(
    any_api: AsyncClient,
) -> None:
    user = await signup(any_api)

    response = await any_api.post(
        "/api/auth/register",
        json={"email": user.email.upper(), "password": PASSWORD, "display_name": "Twin"},
    )

    assert_problem(response, 409)


async def test_signing_in_gives_a_token_pair_and_the_cookie(any_api: AsyncClient) -> None:
    user = await signup(any_api)

    response = await any_api.post(
        "/api/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    any_api.cookies.clear()

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert f"{REFRESH_COOKIE}={response.json()['refresh_token']}" in response.headers["set-cookie"]
    assert set(response.json()) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
    }


async def test_the_email_is_matched_whatever_its_case_and_surrounding_space(
    any_api: AsyncClient,
) -> None:
    user = await signup(any_api)

    assert (await login(any_api, f"  {user.email.upper()} ")).status_code == 200


async def test_an_unknown_email_and_a_wrong_password_fail_alike(any_api: AsyncClient) -> None:
    user = await signup(any_api)

    wrong_password = await login(any_api, user.email, "not the password")
    unknown_email = await login(any_api, f"nobody-{uuid.uuid4().hex[:8]}@example.com")

    assert_problem(wrong_password, 401)
    assert_problem(unknown_email, 401)
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.headers["www-authenticate"] == unknown_email.headers["www-authenticate"]


async def test_an_unknown_email_takes_about_as_long_as_a_wrong_password(
    production_hashing: Runtime,
) -> None:
    async with serve(production_hashing) as api:
        user = await signup(api)
        unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
        durations: dict[str, list[float]] = {"unknown email": [], "wrong password": []}
        # Interleaved, so that drift in the machine's load falls on both alike.
        for _ in range(TIMING_ATTEMPTS):
            for case, email in (("unknown email", unknown), ("wrong password", user.email)):
                started = time.perf_counter()
                response = await login(api, email, "not the password")
                durations[case].append(time.perf_counter() - started)
                assert response.status_code == 401

    ratio = statistics.median(durations["unknown email"]) / statistics.median(
        durations["wrong password"]
    )
    # A behaviour check, not a benchmark: skipping the hash for unknown addresses makes
    # them several times faster.
    assert 0.5 <= ratio <= 2.0, durations


async def test_a_hash_made_with_other_parameters_is_upgraded_at_sign_in(
    any_api: AsyncClient, backend_runtime: Runtime
) -> None:
    user = await signup(any_api)
    s = backend_runtime.settings
    older = argon2.PasswordHasher(
        time_cost=s.argon2_time_cost + 1,
        memory_cost=s.argon2_memory_kib,
        parallelism=s.argon2_parallelism,
        type=argon2.Type.ID,
    ).hash(PASSWORD)
    async with backend_runtime.engine.begin() as conn:
        await conn.execute(update(users).where(users.c.id == user.id).values(password_hash=older))

    assert (await login(any_api, user.email)).status_code == 200

    upgraded = await stored_hash(backend_runtime, user.id)
    assert upgraded != older
    assert f"t={s.argon2_time_cost}," in upgraded
    assert not backend_runtime.passwords.needs_rehash(upgraded)
    assert await backend_runtime.passwords.verify(upgraded, PASSWORD)
    assert (await login(any_api, user.email)).status_code == 200


async def test_a_current_hash_is_left_alone_at_sign_in(
    any_api: AsyncClient, backend_runtime: Runtime
) -> None:
    user = await signup(any_api)
    before = await stored_hash(backend_runtime, user.id)

    assert (await login(any_api, user.email)).status_code == 200

    assert await stored_hash(backend_runtime, user.id) == before


async def test_a_wrong_password_does_not_upgrade_the_hash(
    any_api: AsyncClient, backend_runtime: Runtime
) -> None:
    user = await signup(any_api)
    older = argon2.PasswordHasher(time_cost=3, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    async with backend_runtime.engine.begin() as conn:
        await conn.execute(update(users).where(users.c.id == user.id).values(password_hash=older))

    assert_problem(await login(any_api, user.email, "not the password"), 401)

    assert await stored_hash(backend_runtime, user.id) == older


@pytest.mark.parametrize(
    "body",
    [
        {"email": "someone@example.com"},
        {"password": PASSWORD},
        {"email": "someone@example.com", "password": "x" * 1025},
        {"email": "someone@example.com", "password": PASSWORD, "remember": True},
        {"email": "some\u0000one@example.com", "password": PASSWORD},
    ],
    ids=["no password", "no email", "password too long", "unknown field", "NUL in email"],
)
async def test_a_malformed_sign_in_is_refused_with_422(any_api: AsyncClient, body: object) -> None:
    assert_problem(await any_api.post("/api/auth/login", json=body), 422)
