"""Rate limits on sign-in and registration, counted in Redis (and in the embedded stand-in)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient, Response

from functions.core.errors import RateLimited
from functions.core.ratelimit import Budget, spend
from functions.core.runtime import Runtime
from tests.support import PASSWORD, User, assert_problem, serve, signup

ACCOUNT_BUDGET = 3
ADDRESS_BUDGET = 5
REGISTER_BUDGET = 2
WINDOW_SECONDS = 60
ATTACKER = "198.51.100.66"


@pytest.fixture
async def limited(
    backend: str, pg_runtime: Runtime, embedded_runtime: Runtime
) -> AsyncIterator[Runtime]:
    """Small budgets, under a Redis prefix of this test's own so that no count is shared."""
    base = pg_runtime if backend == "postgres" else embedded_runtime
    rt = Runtime(
        base.settings.model_copy(
            update={
                "redis_prefix": f"{base.settings.redis_prefix}limits-{secrets.token_hex(4)}:",
                "login_limit_per_account": ACCOUNT_BUDGET,
                "login_limit_per_address": ADDRESS_BUDGET,
                "register_limit_per_address": REGISTER_BUDGET,
                "rate_limit_window_seconds": WINDOW_SECONDS,
            }
        )
    )
    yield rt
    await rt.close()


def address(number: int) -> str:
    return f"192.0.2.{number}"


async def new_user(rt: Runtime) -> User:
    """An account registered from an address no test attacks from."""
    async with serve(rt, "203.0.113.1") as api:
        return await signup(api)


async def login(api: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    response = await api.post("/api/auth/login", json={"email": email, "password": password})
    api.cookies.clear()
    return response


def assert_rate_limited(response: Response) -> None:
    body = assert_problem(response, 429)
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    assert body["retry_after"] == retry_after


async def test_sign_ins_to_one_account_are_limited_from_any_address(limited: Runtime) -> None:
    user = await new_user(limited)
    for attempt in range(ACCOUNT_BUDGET):
        async with serve(limited, address(attempt + 1)) as api:
            # The same account, however its address is spelled.
            spelled = user.email.upper() if attempt % 2 else f" {user.email} "
            assert_problem(await login(api, spelled, "not the password"), 401)

    async with serve(limited, address(99)) as api:
        # Attempts are counted before the password is checked: the right one waits too.
        assert_rate_limited(await login(api, user.email))


async def test_sign_ins_from_one_address_are_limited_across_accounts(limited: Runtime) -> None:
    user = await new_user(limited)
    async with serve(limited, ATTACKER) as api:
        for _ in range(ADDRESS_BUDGET - 1):
            unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
            assert_problem(await login(api, unknown), 401)
        assert (await login(api, user.email)).status_code == 200

        # The success did not give the address its budget back.
        assert_rate_limited(await login(api, user.email))
        assert_rate_limited(await login(api, f"nobody-{uuid.uuid4().hex[:8]}@example.com"))

    async with serve(limited, address(7)) as elsewhere:
        assert (await login(elsewhere, user.email)).status_code == 200


async def test_registrations_from_one_address_are_limited(limited: Runtime) -> None:
    async with serve(limited, ATTACKER) as api:
        for _ in range(REGISTER_BUDGET):
            await signup(api)

        response = await api.post(
            "/api/auth/register",
            json={
                "email": f"one-more-{uuid.uuid4().hex[:8]}@example.com",
                "password": PASSWORD,
                "display_name": "One More",
            },
        )
        assert_rate_limited(response)

    async with serve(limited, address(8)) as elsewhere:
        await signup(elsewhere)


async def test_password_guesses_through_a_password_change_are_limited(limited: Runtime) -> None:
    user = await new_user(limited)
    guess = {"current_password": "not the password", "new_password": "a new passphrase"}
    async with serve(limited, ATTACKER) as api:
        for _ in range(ACCOUNT_BUDGET):
            response = await api.post("/api/auth/password", json=guess, headers=user.headers)
            assert_problem(response, 403)

        right = {"current_password": PASSWORD, "new_password": "a new passphrase"}
        response = await api.post("/api/auth/password", json=right, headers=user.headers)
        assert_rate_limited(response)


async def test_a_refused_attempt_still_counts(limited: Runtime) -> None:
    user = await new_user(limited)
    async with serve(limited, ATTACKER) as api:
        for _ in range(ACCOUNT_BUDGET):
            await login(api, user.email, "not the password")
        for _ in range(3):
            assert_rate_limited(await login(api, user.email))


async def test_every_counter_expires_with_its_window(limited: Runtime) -> None:
    s = limited.settings
    await spend(limited.redis, s, Budget("test", "someone", 5), Budget("test", "other", 5))
    await spend(limited.redis, s, Budget("test", "someone", 5))

    counters = [key async for key in limited.redis.scan_iter(match=f"{s.redis_prefix}*")]

    assert len(counters) == 2
    for counter in counters:
        assert 1 <= await limited.redis.ttl(counter) <= WINDOW_SECONDS


async def test_budgets_with_the_same_identity_in_other_scopes_are_apart(
    limited: Runtime,
) -> None:
    s = limited.settings
    await spend(limited.redis, s, Budget("first", "someone", 1))

    await spend(limited.redis, s, Budget("second", "someone", 1))
    with pytest.raises(RateLimited):
        await spend(limited.redis, s, Budget("first", "someone", 1))
