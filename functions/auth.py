"""Auth functions: register, sign in, refresh, sign out, profile, password, JWKS."""

from __future__ import annotations

from typing import Any

from functions.core.database import reading, transaction
from functions.core.models.accounts import (
    Jwks,
    LoginRequest,
    RegisterRequest,
    TokenPair,
    UserPublic,
)
from functions.core.services import accounts
from functions.core.settings import Settings
from functions.edge import Call, Reply, endpoint

REFRESH_COOKIE = "taskflow_refresh"
REFRESH_COOKIE_PATH = "/api/auth"


def refresh_cookie(settings: Settings, tokens: TokenPair) -> dict[str, Any]:
    """The refresh token for browsers: httpOnly, SameSite=Strict, sent only to /api/auth."""
    return {
        "key": REFRESH_COOKIE,
        "value": tokens.refresh_token,
        "max_age": tokens.refresh_expires_in,
        "path": REFRESH_COOKIE_PATH,
        "httponly": True,
        "samesite": "strict",
        "secure": not settings.is_dev,
    }


def _signed_in(call: Call[Any, Any], tokens: TokenPair, status: int = 200) -> Reply:
    return Reply(
        tokens,
        status=status,
        headers={"Cache-Control": "no-store"},
        cookies=[refresh_cookie(call.rt.settings, tokens)],
    )


@endpoint(body=RegisterRequest, response=TokenPair, status=201, auth=False)
async def register(call: Call[RegisterRequest, None]) -> Reply:
    """Create an account (with its Inbox project) and sign in."""
    async with transaction(call.rt.engine) as conn:
        session = await accounts.register(call.rt, conn, call.body)
    return _signed_in(call, session.tokens, status=201)


@endpoint(body=LoginRequest, response=TokenPair, auth=False)
async def login(call: Call[LoginRequest, None]) -> Reply:
    """Sign in with e-mail and password."""
    async with transaction(call.rt.engine) as conn:
        session = await accounts.login(call.rt, conn, call.body)
    return _signed_in(call, session.tokens)


@endpoint(response=UserPublic)
async def get_me(call: Call[None, None]) -> UserPublic:
    """The signed-in user's profile."""
    async with reading(call.rt.engine) as conn:
        return await accounts.get_user(conn, call.user.user_id)


@endpoint(response=Jwks, auth=False)
async def jwks(call: Call[None, None]) -> Reply:
    """The public keys that verify TaskFlow's access tokens."""
    return Reply(
        Jwks.model_validate(call.rt.keys.jwks()),
        headers={"Cache-Control": "public, max-age=300"},
    )


from functions.core.errors import Unavailable  # noqa: E402  PLACEHOLDER


@endpoint()
async def refresh(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def logout(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def update_me(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def change_password(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER
