"""Accounts and sessions: registration, sign-in, and the refresh-token families behind them."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.clock import utcnow
from functions.core.errors import Conflict, Unauthenticated
from functions.core.models.accounts import LoginRequest, RegisterRequest, TokenPair, UserPublic
from functions.core.runtime import Runtime
from functions.core.security.tokens import issue_access_token
from functions.core.tables import project_members, projects, refresh_tokens, users

INBOX_NAME = "Inbox"
SIGN_IN_FAILED = "the e-mail address or the password is wrong"


@dataclass(frozen=True)
class Session:
    tokens: TokenPair
    user_id: uuid.UUID


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are 256 random bits: a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_session(
    rt: Runtime,
    conn: AsyncConnection,
    user_id: uuid.UUID,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    """A new access token and a new refresh token in `family_id` (a new family if None)."""
    s = rt.settings
    access = issue_access_token(
        rt.keys,
        user_id=user_id,
        issuer=s.jwt_issuer,
        audience=s.jwt_audience,
        ttl_seconds=s.access_token_ttl_seconds,
    )
    refresh = secrets.token_urlsafe(32)
    now = utcnow()
    await conn.execute(
        insert(refresh_tokens).values(
            id=uuid.uuid4(),
            family_id=family_id or uuid.uuid4(),
            user_id=user_id,
            token_hash=hash_refresh_token(refresh),
            access_jti=access.jti,
            created_at=now,
            expires_at=now + timedelta(seconds=s.refresh_token_ttl_seconds),
        )
    )
    return TokenPair(
        access_token=access.token,
        expires_in=access.expires_in,
        refresh_token=refresh,
        refresh_expires_in=s.refresh_token_ttl_seconds,
    )


async def register(rt: Runtime, conn: AsyncConnection, request: RegisterRequest) -> Session:
    """A new account with its personal Inbox project, signed in."""
    password_hash = await rt.passwords.hash(request.password)
    user_id = uuid.uuid4()
    now = utcnow()
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(users).values(
                    id=user_id,
                    email=normalise_email(request.email),
                    display_name=request.display_name,
                    password_hash=password_hash,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError as exc:
        raise Conflict("an account with this e-mail address exists already") from exc
    inbox_id = uuid.uuid4()
    await conn.execute(
        insert(projects).values(
            id=inbox_id,
            name=INBOX_NAME,
            description="",
            owner_id=user_id,
            is_inbox=True,
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        insert(project_members).values(
            project_id=inbox_id, user_id=user_id, role="owner", created_at=now
        )
    )
    return Session(tokens=await issue_session(rt, conn, user_id), user_id=user_id)


async def login(rt: Runtime, conn: AsyncConnection, request: LoginRequest) -> Session:
    """Signs in; an unknown address and a wrong password fail alike, in comparable time."""
    row = (
        await conn.execute(
            select(users.c.id, users.c.password_hash).where(
                users.c.email == normalise_email(request.email)
            )
        )
    ).first()
    if not await rt.passwords.verify(row.password_hash if row else None, request.password):
        raise Unauthenticated(SIGN_IN_FAILED)
    assert row is not None
    if rt.passwords.needs_rehash(row.password_hash):
        await conn.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(password_hash=await rt.passwords.hash(request.password))
        )
    return Session(tokens=await issue_session(rt, conn, row.id), user_id=row.id)


async def get_user(conn: AsyncConnection, user_id: uuid.UUID) -> UserPublic:
    row = (
        await conn.execute(
            select(
                users.c.id,
                users.c.email,
                users.c.display_name,
                users.c.created_at,
                users.c.updated_at,
            ).where(users.c.id == user_id)
        )
    ).first()
    if row is None:
        raise Unauthenticated("this account no longer exists")
    return UserPublic.model_validate(row)
