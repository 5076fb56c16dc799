"""Forged and invalid access tokens, sent through the gateway: each is a 401 problem."""

from __future__ import annotations

import pytest
from httpx import AsyncClient, Response

from functions.core.runtime import Runtime
from tests.support import assert_problem, signup
from tests.unit.test_tokens import FORGERIES, Forgery, Target


def assert_refused(response: Response) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def target_user(api: AsyncClient, rt: Runtime) -> Target:
    """A real account, so that a refusal can only come from what is wrong with the token."""
    user = await signup(api)
    s = rt.settings
    return Target(keys=rt.keys, user_id=user.id, issuer=s.jwt_issuer, audience=s.jwt_audience)


async def test_a_token_from_the_forgery_kit_with_nothing_wrong_is_accepted(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    target = await target_user(api, pg_runtime)

    response = await api.get("/api/auth/me", headers=bearer(target.valid()))

    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(target.user_id)


@pytest.mark.parametrize("forge", FORGERIES)
async def test_a_forged_or_invalid_access_token_is_refused(
    api: AsyncClient, pg_runtime: Runtime, forge: Forgery
) -> None:
    target = await target_user(api, pg_runtime)

    assert_refused(await api.get("/api/auth/me", headers=bearer(forge(target))))


async def test_a_refresh_token_is_not_an_access_token(api: AsyncClient) -> None:
    user = await signup(api)

    assert_refused(await api.get("/api/auth/me", headers=bearer(user.refresh_token)))


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc"],
    ids=["no header", "empty", "scheme only", "blank token", "basic auth", "other scheme"],
)
async def test_a_request_without_a_bearer_token_is_refused(
    any_api: AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    assert_refused(await any_api.get("/api/auth/me", headers=headers))
