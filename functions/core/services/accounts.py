"""Accounts and sessions: registration, sign-in, and the refresh-token families behind them.

A session is one refresh-token family: each refresh uses up its token and adds the next one
(beside a new access token) to the family. Some operations take more than one transaction:
a detected replay must be committed while the request itself fails, and rate-limit budgets
and password hashing happen before a database connection is taken.

Lock order: the user's row, then their refresh tokens. Every transaction that creates or
ends sessions locks the user's row first (FOR NO KEY UPDATE, so foreign keys elsewhere do
not wait), so ending sessions never misses a token being created beside it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from cloudevents.http import CloudEvent
from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import EmailVerificationRequested
from functions.core import outbox
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.emails import normalise_email
from functions.core.errors import Conflict, Forbidden, Unauthenticated
from functions.core.models.accounts import (
    LoginRequest,
    PasswordChange,
    RegisterRequest,
    TokenPair,
    UserPublic,
    UserUpdate,
)
from functions.core.ratelimit import Budget, spend
from functions.core.runtime import Runtime
from functions.core.security.access import deny_access_tokens
from functions.core.security.digests import secret_hash
from functions.core.security.tokens import LEEWAY_SECONDS, Principal, issue_access_token
from functions.core.tables import project_members, projects, refresh_tokens, users

INBOX_NAME: Final = "Inbox"
SIGN_IN_FAILED: Final = "the e-mail address or the password is wrong"
REFRESH_FAILED: Final = "the refresh token is invalid, expired or already used; sign in again"
WRONG_PASSWORD: Final = "the current password is wrong"
ACCOUNT_GONE: Final = "this account no longer exists"

_USER_PUBLIC = (
    users.c.id,
    users.c.email,
    users.c.display_name,
    users.c.time_zone,
    # Read as the column: SQLite's RETURNING evaluates an IS NOT NULL on the row before.
    users.c.email_verified_at,
    users.c.created_at,
    users.c.updated_at,
)


@dataclass(frozen=True)
class Session:
    tokens: TokenPair
    user_id: uuid.UUID


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are 256 random bits: a plain SHA-256 is enough to store them safely."""
    return secret_hash(token)


async def _issue_session(
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


async def lock_account(conn: AsyncConnection, user_id: uuid.UUID) -> str | None:
    """Lock the user's row for this transaction; their password hash, or None if gone."""
    hashed: str | None = await conn.scalar(
        select(users.c.password_hash).where(users.c.id == user_id).with_for_update(key_share=True)
    )
    return hashed


async def _end_sessions(
    rt: Runtime,
    conn: AsyncConnection,
    which: ColumnElement[bool],
    also_deny: tuple[str, ...] = (),
) -> None:
    """Revoke every live refresh token `which` selects and refuse their access tokens."""
    now = utcnow()
    ended = await conn.execute(
        update(refresh_tokens)
        .where(which, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(refresh_tokens.c.access_jti, refresh_tokens.c.created_at)
    )
    # Older access tokens have expired by themselves.
    still_valid = now - timedelta(seconds=rt.settings.access_token_ttl_seconds + LEEWAY_SECONDS)
    jtis = [row.access_jti for row in ended if row.created_at > still_valid]
    # Inside the transaction: if Redis fails, nothing is revoked and the caller may retry.
    await deny_access_tokens(rt, [*jtis, *also_deny])


def verification_requested(user_id: uuid.UUID, email: str) -> CloudEvent:
    """The event that has a verification link mailed to `email`, the account's address."""
    return outbox.build(
        types.EMAIL_VERIFICATION_REQUESTED,
        EmailVerificationRequested(user_id=user_id, email=email),
        subject=user_id,
        actor_id=user_id,
    )


async def set_password_ending_sessions(
    rt: Runtime, conn: AsyncConnection, user_id: uuid.UUID, password_hash: str
) -> bool:
    """In the caller's transaction: set the account's password hash and end every session of
    it (refresh tokens revoked, their access tokens refused); False if the account is gone."""
    if await lock_account(conn, user_id) is None:
        return False
    await conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, updated_at=utcnow())
    )
    await _end_sessions(rt, conn, refresh_tokens.c.user_id == user_id)
    return True


async def register(rt: Runtime, request: RegisterRequest, client_address: str) -> Session:
    """A new account with its personal Inbox project, signed in; its address is unverified
    until the link mailed to it is followed."""
    s = rt.settings
    await spend(
        rt.redis, s, Budget("register-address", client_address, s.register_limit_per_address)
    )
    password_hash = await rt.passwords.hash(request.password)
    user_id = uuid.uuid4()
    email = normalise_email(request.email)
    now = utcnow()
    async with transaction(rt.engine) as conn:
        try:
            async with conn.begin_nested():
                await conn.execute(
                    insert(users).values(
                        id=user_id,
                        email=email,
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
        await outbox.record(conn, [verification_requested(user_id, email)])
        return Session(tokens=await _issue_session(rt, conn, user_id), user_id=user_id)


async def login(rt: Runtime, request: LoginRequest, client_address: str) -> Session:
    """Signs in; an unknown address and a wrong password fail alike, in comparable time.

    Attempts are counted, per account and per client address, before the password is
    checked, and a success does not give any of them back.
    """
    s = rt.settings
    email = normalise_email(request.email)
    await spend(
        rt.redis,
        s,
        Budget("login-account", email, s.login_limit_per_account),
        Budget("login-address", client_address, s.login_limit_per_address),
    )
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(users.c.id, users.c.password_hash).where(users.c.email == email)
            )
        ).first()
    # No connection is held while hashing: verifies queue for memory, not for the pool.
    if not await rt.passwords.verify(row.password_hash if row else None, request.password):
        raise Unauthenticated(SIGN_IN_FAILED)
    assert row is not None
    upgraded = (
        await rt.passwords.hash(request.password)
        if rt.passwords.needs_rehash(row.password_hash)
        else None
    )
    async with transaction(rt.engine) as conn:
        # A password changed since the check above ends every session, this one included.
        if await lock_account(conn, row.id) != row.password_hash:
            raise Unauthenticated(SIGN_IN_FAILED)
        if upgraded is not None:
            await conn.execute(
                update(users).where(users.c.id == row.id).values(password_hash=upgraded)
            )
        return Session(tokens=await _issue_session(rt, conn, row.id), user_id=row.id)


async def refresh(rt: Runtime, presented: str | None) -> TokenPair:
    """Use up a refresh token for a new pair in its family; a replayed token ends the family.

    A token presented again within `refresh_reuse_grace_seconds` of its use gets another
    pair in the same family: a browser that reloaded while the first answer was on its way
    never stored the new cookie, and two tabs may race. Later, a used token is what a stolen
    copy looks like, so the family is revoked and every client of it signs in again.
    """
    if not presented:
        raise Unauthenticated(REFRESH_FAILED)
    token_hash = hash_refresh_token(presented)
    async with transaction(rt.engine) as conn:
        found = (
            await conn.execute(
                select(refresh_tokens.c.family_id, refresh_tokens.c.user_id).where(
                    refresh_tokens.c.token_hash == token_hash
                )
            )
        ).first()
        if found is None:
            raise Unauthenticated(REFRESH_FAILED)
        await lock_account(conn, found.user_id)
        now = utcnow()
        rotated = await conn.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.token_hash == token_hash,
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
                refresh_tokens.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(refresh_tokens.c.id)
        )
        if rotated.first() is not None:
            return await _issue_session(rt, conn, found.user_id, found.family_id)
    # A new transaction: this one takes the lock afresh rather than upgrading one it holds.
    async with transaction(rt.engine) as conn:
        await lock_account(conn, found.user_id)
        state = (
            await conn.execute(
                select(refresh_tokens.c.used_at, refresh_tokens.c.revoked_at).where(
                    refresh_tokens.c.token_hash == token_hash
                )
            )
        ).one()
        if state.used_at is not None and state.revoked_at is None:
            grace = timedelta(seconds=rt.settings.refresh_reuse_grace_seconds)
            if utcnow() - state.used_at <= grace:
                return await _issue_session(rt, conn, found.user_id, found.family_id)
        if state.used_at is not None:
            await _end_sessions(rt, conn, refresh_tokens.c.family_id == found.family_id)
    raise Unauthenticated(REFRESH_FAILED)


async def logout(rt: Runtime, principal: Principal) -> None:
    """End the session the access token belongs to: its family and every token in it."""
    async with transaction(rt.engine) as conn:
        await lock_account(conn, principal.user_id)
        family_id = await conn.scalar(
            # By user first: that index narrows the search to this user's tokens.
            select(refresh_tokens.c.family_id).where(
                refresh_tokens.c.user_id == principal.user_id,
                refresh_tokens.c.access_jti == principal.jti,
            )
        )
        if family_id is None:  # no session row behind this token: it ends alone
            await deny_access_tokens(rt, [principal.jti])
            return
        await _end_sessions(
            rt, conn, refresh_tokens.c.family_id == family_id, also_deny=(principal.jti,)
        )


async def change_password(rt: Runtime, principal: Principal, request: PasswordChange) -> TokenPair:
    """Set a new password, end every session of the account, and start a fresh one.

    A wrong current password is a 403, not a 401: the caller's access token is fine, and a
    401 would tell clients to drop or refresh it.
    """
    s = rt.settings
    user_id = principal.user_id
    # A stolen access token must not become an unlimited password oracle.
    await spend(rt.redis, s, Budget("password-account", str(user_id), s.login_limit_per_account))
    async with reading(rt.engine) as conn:
        current = await conn.scalar(select(users.c.password_hash).where(users.c.id == user_id))
    if current is None:
        raise Unauthenticated(ACCOUNT_GONE)
    if not await rt.passwords.verify(current, request.current_password):
        raise Forbidden(WRONG_PASSWORD)
    new_hash = await rt.passwords.hash(request.new_password)
    async with transaction(rt.engine) as conn:
        changed = await conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.password_hash == current)
            .values(password_hash=new_hash, updated_at=utcnow())
            .returning(users.c.id)
        )
        if changed.first() is None:  # changed by someone else since it was checked
            raise Forbidden(WRONG_PASSWORD)
        await _end_sessions(rt, conn, refresh_tokens.c.user_id == user_id, (principal.jti,))
        return await _issue_session(rt, conn, user_id)


async def prune_sessions(conn: AsyncConnection) -> int:
    """Delete refresh tokens past their expiry, in the caller's transaction; the number deleted.

    An expired token can no longer be used, so its row only grows the table: a replay of
    it finds nothing and is refused like any unknown token.
    """
    deleted = await conn.execute(
        delete(refresh_tokens).where(refresh_tokens.c.expires_at < utcnow())
    )
    return deleted.rowcount


async def get_user(rt: Runtime, user_id: uuid.UUID) -> UserPublic:
    """The user's profile; an account deleted since its token was issued is a 401."""
    async with reading(rt.engine) as conn:
        return await _user(conn, user_id)


async def update_user(rt: Runtime, user_id: uuid.UUID, changes: UserUpdate) -> UserPublic:
    """Change the display name, e-mail and/or time zone; an e-mail another account uses is a
    409. A changed address is unverified, and a link to verify it is mailed to it."""
    values: dict[str, Any] = changes.model_dump(exclude_unset=True)
    if not values:
        return await get_user(rt, user_id)
    async with transaction(rt.engine) as conn:
        if "email" in values:
            values["email"] = normalise_email(values["email"])
            current = await conn.scalar(
                select(users.c.email).where(users.c.id == user_id).with_for_update(key_share=True)
            )
            if current is not None and current != values["email"]:
                values["email_verified_at"] = None
                await outbox.record(conn, [verification_requested(user_id, values["email"])])
        try:
            async with conn.begin_nested():
                row = (
                    await conn.execute(
                        update(users)
                        .where(users.c.id == user_id)
                        .values(**values, updated_at=utcnow())
                        .returning(*_USER_PUBLIC)
                    )
                ).first()
        except IntegrityError as exc:
            raise Conflict("an account with this e-mail address exists already") from exc
    if row is None:
        raise Unauthenticated(ACCOUNT_GONE)
    return _public(row._mapping)


async def _user(conn: AsyncConnection, user_id: uuid.UUID) -> UserPublic:
    row = (await conn.execute(select(*_USER_PUBLIC).where(users.c.id == user_id))).first()
    if row is None:
        raise Unauthenticated(ACCOUNT_GONE)
    return _public(row._mapping)


def _public(row: Mapping[Any, Any]) -> UserPublic:
    values = dict(row)
    values["email_verified"] = values.pop("email_verified_at") is not None
    return UserPublic.model_validate(values)
