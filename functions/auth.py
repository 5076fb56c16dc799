"""Auth functions: register, sign in, refresh, sign out, profile, password, personal access
tokens."""

from __future__ import annotations

from typing import Any

from functions.core.models.accounts import (
    LoginRequest,
    PasswordChange,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UserPublic,
    UserUpdate,
)
from functions.core.models.personal_tokens import (
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokensPublic,
)
from functions.core.services import accounts, personal_tokens
from functions.core.settings import Settings
from functions.edge import Call, Reply, endpoint

REFRESH_COOKIE = "taskflow_refresh"
REFRESH_COOKIE_PATH = "/api/auth"


def refresh_cookie(settings: Settings, tokens: TokenPair | None) -> dict[str, Any]:
    """The refresh token for browsers: httpOnly, SameSite=Strict, sent only to /api/auth.

    Without tokens, the same cookie emptied and expired, so the browser drops it.
    """
    return {
        "key": REFRESH_COOKIE,
        "value": tokens.refresh_token if tokens else "",
        "max_age": tokens.refresh_expires_in if tokens else 0,
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
    session = await accounts.register(call.rt, call.body, call.client_address)
    return _signed_in(call, session.tokens, status=201)


@endpoint(body=LoginRequest, response=TokenPair, auth=False)
async def login(call: Call[LoginRequest, None]) -> Reply:
    """Sign in with e-mail and password."""
    session = await accounts.login(call.rt, call.body, call.client_address)
    return _signed_in(call, session.tokens)


@endpoint(response=UserPublic)
async def get_me(call: Call[None, None]) -> UserPublic:
    """The signed-in user's profile."""
    return await accounts.get_user(call.rt, call.user.user_id)


@endpoint(body=UserUpdate, response=UserPublic)
async def update_me(call: Call[UserUpdate, None]) -> UserPublic:
    """Change the signed-in user's display name or e-mail address.

    A new address is unverified (no notification e-mails) until the link mailed to it is
    followed."""
    return await accounts.update_user(call.rt, call.user.user_id, call.body)


@endpoint(body=RefreshRequest, response=TokenPair, auth=False, body_optional=True)
async def refresh(call: Call[RefreshRequest | None, None]) -> Reply:
    """Trade a refresh token (in the body, or the cookie) for a new pair; each works once."""
    presented = call.body.refresh_token if call.body else None
    tokens = await accounts.refresh(call.rt, presented or call.request.cookies.get(REFRESH_COOKIE))
    return _signed_in(call, tokens)


@endpoint(status=204)
async def logout(call: Call[None, None]) -> Reply:
    """Sign out: this session's access and refresh tokens stop working."""
    await accounts.logout(call.rt, call.user)
    return Reply(
        None,
        status=204,
        headers={"Cache-Control": "no-store"},
        cookies=[refresh_cookie(call.rt.settings, None)],
    )


@endpoint(body=PasswordChange, response=TokenPair)
async def change_password(call: Call[PasswordChange, None]) -> Reply:
    """Change the password; every session ends and this caller gets a fresh one."""
    tokens = await accounts.change_password(call.rt, call.user, call.body)
    return _signed_in(call, tokens)


@endpoint(body=PersonalTokenCreate, response=PersonalTokenCreated, status=201)
async def create_personal_token(call: Call[PersonalTokenCreate, None]) -> Reply:
    """Make a personal access token, for a script or an event producer.

    Sent as `Authorization: Bearer tfp_...`, it may use the routes its scopes allow; the
    answer is the only time its secret is shown. Sessions only: a token cannot make tokens."""
    created = await personal_tokens.create_token(call.rt, call.user.user_id, call.body)
    return Reply(created, status=201, headers={"Cache-Control": "no-store"})


@endpoint(response=PersonalTokensPublic)
async def list_personal_tokens(call: Call[None, None]) -> PersonalTokensPublic:
    """The caller's personal access tokens, newest first (never their secrets)."""
    return await personal_tokens.list_tokens(call.rt, call.user.user_id)


@endpoint(status=204)
async def revoke_personal_token(call: Call[None, None]) -> None:
    """Revoke a personal access token: refused (401) everywhere within a second."""
    await personal_tokens.revoke_token(call.rt, call.user.user_id, call.path_uuid("token_id"))
