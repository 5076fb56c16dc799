"""Personal access tokens: made, listed and revoked by their owner; looked up on each use.

A token is stored only as the SHA-256 of the whole of it (its format is
functions.core.security.personal_tokens). A use looks the hash up in this process's memory,
then in Redis (`pat:<hash>`), then in the database; what is found is kept at most
`CACHE_SECONDS` from when the database was read, in both places. Revoking marks the row,
forgets the Redis entry and puts the token's id on a denylist (the mechanism that ends JWTs,
functions.core.security.access) kept `DENIED_SECONDS`, past any cached copy's life: every
process refuses the token within a second. Expiry is checked on every use.

A use records `last_used_at` at most once a minute per token: one process wins a Redis
`SET NX` for the minute and writes it; the others skip it without asking again until the
minute is over.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, insert, select, update

from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from functions.core.kv import key
from functions.core.models.personal_tokens import (
    MAX_TOKENS_PER_USER,
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenPublic,
    PersonalTokensPublic,
)
from functions.core.runtime import Runtime
from functions.core.security.access import deny_personal_tokens, personal_token_denylist
from functions.core.security.personal_tokens import new_token, token_hash, well_formed
from functions.core.security.tokens import Principal
from functions.core.tables import personal_access_tokens as tokens_table
from functions.core.tables import users as users_table

# How long a lookup may be reused, in Redis and in each process.
CACHE_SECONDS: Final = 60
# How long a revoked token's id stays on the denylist: past any cached lookup.
DENIED_SECONDS: Final = 3 * CACHE_SECONDS
LAST_USED_SECONDS: Final = 60
# Lookups a process keeps: about one per token in use against it.
KEPT: Final = 4096
MALFORMED: Final = "the personal access token is malformed (its checksum does not match)"
UNKNOWN: Final = "the personal access token is unknown or revoked"
EXPIRED: Final = "the personal access token has expired"
REVOKED: Final = "the personal access token has been revoked"
# Far in the future: the Principal's expiry of a token that never expires.
_NEVER: Final = 2**53


@dataclass(frozen=True)
class _Lookup:
    """What a token's hash names, and until when (time.time()) this copy may be used."""

    token_id: str
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float | None  # epoch seconds
    created_at: float
    fresh_until: float

    def dumps(self) -> str:
        return json.dumps(self.__dict__)


_memory: dict[str, _Lookup] = {}
# Each token's next moment to record its use (time.monotonic()), in this process.
_next_use_record: dict[str, float] = {}


async def create_token(
    rt: Runtime, user_id: uuid.UUID, request: PersonalTokenCreate
) -> PersonalTokenCreated:
    """A new token of the caller's; its secret is shown in this answer only."""
    now = utcnow()
    if request.expires_at is not None and request.expires_at <= now:
        raise InvalidInput(
            "a token's expiry must be in the future",
            errors=[
                {"loc": ["expires_at"], "msg": "must be in the future", "type": "future_instant"}
            ],
        )
    secret = new_token()
    created = PersonalTokenCreated(
        id=uuid.uuid4(),
        name=request.name,
        scopes=request.scopes,
        created_at=now,
        expires_at=request.expires_at,
        last_used_at=None,
        token=secret,
    )
    async with transaction(rt.engine) as conn:
        # The user's row is the lock that keeps two concurrent creations from passing the cap.
        await conn.execute(
            select(users_table.c.id).where(users_table.c.id == user_id).with_for_update()
        )
        count = await conn.scalar(
            select(func.count())
            .select_from(tokens_table)
            .where(tokens_table.c.user_id == user_id, tokens_table.c.revoked_at.is_(None))
        )
        if (count or 0) >= MAX_TOKENS_PER_USER:
            raise Conflict(
                f"a person may have {MAX_TOKENS_PER_USER} personal access tokens: revoke one first"
            )
        await conn.execute(
            insert(tokens_table).values(
                id=created.id,
                user_id=user_id,
                name=created.name,
                token_hash=token_hash(secret),
                scopes=list(created.scopes),
                created_at=created.created_at,
                expires_at=created.expires_at,
            )
        )
    return created


async def list_tokens(rt: Runtime, user_id: uuid.UUID) -> PersonalTokensPublic:
    """The caller's tokens not revoked, newest first, without their secrets."""
    async with reading(rt.engine) as conn:
        rows = (
            await conn.execute(
                select(
                    tokens_table.c.id,
                    tokens_table.c.name,
                    tokens_table.c.scopes,
                    tokens_table.c.created_at,
                    tokens_table.c.expires_at,
                    tokens_table.c.last_used_at,
                )
                .where(tokens_table.c.user_id == user_id, tokens_table.c.revoked_at.is_(None))
                .order_by(tokens_table.c.created_at.desc(), tokens_table.c.id)
            )
        ).all()
    return PersonalTokensPublic(items=[PersonalTokenPublic.model_validate(row) for row in rows])


async def revoke_token(rt: Runtime, user_id: uuid.UUID, token_id: uuid.UUID) -> None:
    """Revoke one of the caller's tokens: refused everywhere within a second. Anyone else's,
    or one already revoked, is not found."""
    async with transaction(rt.engine) as conn:
        row = (
            await conn.execute(
                update(tokens_table)
                .where(
                    tokens_table.c.id == token_id,
                    tokens_table.c.user_id == user_id,
                    tokens_table.c.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
                .returning(tokens_table.c.token_hash)
            )
        ).first()
        if row is None:
            raise NotFound("no such personal access token")
    await deny_personal_tokens(rt, [str(token_id)], DENIED_SECONDS)
    await rt.redis.delete(_cache_key(rt, row.token_hash))
    _memory.pop(row.token_hash, None)


async def authenticate_personal_token(rt: Runtime, token: str) -> Principal:
    """The principal a personal access token speaks for, with its scopes; Unauthenticated
    for one malformed, unknown, revoked or expired."""
    if not well_formed(token):
        raise Unauthenticated(MALFORMED)
    hashed = token_hash(token)
    lookup = await _lookup(rt, hashed)
    now = time.time()
    if lookup.expires_at is not None and lookup.expires_at <= now:
        raise Unauthenticated(EXPIRED)
    if await personal_token_denylist(rt).refused(rt.redis, lookup.token_id):
        raise Unauthenticated(REVOKED)
    await _record_use(rt, lookup.token_id)
    return Principal(
        user_id=uuid.UUID(lookup.user_id),
        jti=f"pat:{lookup.token_id}",
        issued_at=int(lookup.created_at),
        expires_at=int(lookup.expires_at) if lookup.expires_at is not None else _NEVER,
        scopes=frozenset(lookup.scopes),
        token_id=uuid.UUID(lookup.token_id),
    )


def _cache_key(rt: Runtime, hashed: str) -> str:
    return key(rt.settings, "pat", hashed)


async def _lookup(rt: Runtime, hashed: str) -> _Lookup:
    now = time.time()
    found = _memory.get(hashed)
    if found is not None and found.fresh_until > now:
        return found
    _memory.pop(hashed, None)
    cached = await rt.redis.get(_cache_key(rt, hashed))
    if cached is not None:
        fields = json.loads(cached)
        found = _Lookup(**{**fields, "scopes": tuple(fields["scopes"])})
    if found is None or found.fresh_until <= now:
        found = await _read(rt, hashed, now)
        seconds = max(1, int(found.fresh_until - now))
        await rt.redis.set(_cache_key(rt, hashed), found.dumps(), ex=seconds)
    if len(_memory) >= KEPT:
        del _memory[next(iter(_memory))]  # the oldest
    _memory[hashed] = found
    return found


async def _read(rt: Runtime, hashed: str, now: float) -> _Lookup:
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(
                    tokens_table.c.id,
                    tokens_table.c.user_id,
                    tokens_table.c.scopes,
                    tokens_table.c.created_at,
                    tokens_table.c.expires_at,
                ).where(tokens_table.c.token_hash == hashed, tokens_table.c.revoked_at.is_(None))
            )
        ).first()
    if row is None:
        # Not cached: a token made a moment later (impossible to guess) would be refused.
        raise Unauthenticated(UNKNOWN)
    return _Lookup(
        token_id=str(row.id),
        user_id=str(row.user_id),
        scopes=tuple(row.scopes),
        expires_at=_epoch(row.expires_at),
        created_at=_epoch(row.created_at) or now,
        fresh_until=now + CACHE_SECONDS,
    )


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


async def _record_use(rt: Runtime, token_id: str) -> None:
    monotonic = time.monotonic()
    if _next_use_record.get(token_id, 0.0) > monotonic:
        return
    _next_use_record[token_id] = monotonic + LAST_USED_SECONDS
    if len(_next_use_record) > KEPT:
        del _next_use_record[next(iter(_next_use_record))]
    won = await rt.redis.set(
        key(rt.settings, "pat-used", token_id), "1", nx=True, ex=LAST_USED_SECONDS
    )
    if not won:
        return
    async with transaction(rt.engine) as conn:
        await conn.execute(
            update(tokens_table)
            .where(tokens_table.c.id == uuid.UUID(token_id))
            .values(last_used_at=utcnow())
        )
