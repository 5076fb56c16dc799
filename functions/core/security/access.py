"""Authenticating a request's access token, and ending tokens before they expire.

Ended tokens are listed in Redis: one sorted set (each jti scored with the time its token would
have expired anyway) and a version that changes with every ending. Each process keeps a copy of
the set and asks for the version at most once a second, fetching the set again only when it
changed: an ended token is refused everywhere within a second (at once by the process that
ended it), and a request costs no Redis round trip of its own.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import TYPE_CHECKING, Final, cast

from functions.core.errors import Unauthenticated
from functions.core.kv import key
from functions.core.runtime import Runtime
from functions.core.security.personal_tokens import PREFIX as PERSONAL_TOKEN_PREFIX
from functions.core.security.tokens import Principal

if TYPE_CHECKING:
    from redis.asyncio import Redis

# How old this process's copy of the denylist may be when a request is checked against it.
DENYLIST_REFRESH_SECONDS: Final = 1.0


async def authenticate(rt: Runtime, token: str) -> Principal:
    """Verify locally with the public keys, then check this process's copy of the denylist.

    A token with the personal access token prefix is looked up instead (see
    functions.core.services.personal_tokens); anything else is a JWT, checked as always."""
    if token.startswith(PERSONAL_TOKEN_PREFIX):
        from functions.core.services.personal_tokens import authenticate_personal_token

        return await authenticate_personal_token(rt, token)
    principal = rt.verifier.verify(token)
    if await process_denylist(rt).refused(rt.redis, principal.jti):
        raise Unauthenticated("this session has ended")
    return principal


async def deny_access_tokens(rt: Runtime, jtis: list[str]) -> None:
    """Refuse these access tokens until they would have expired anyway.

    Every access token is issued beside a refresh token whose row records its jti, so
    ending sessions (logout, password change, refresh-token reuse) denylists exactly the
    access tokens those sessions hold.
    """
    await _deny(rt, process_denylist(rt), jtis, rt.settings.access_token_ttl_seconds + 60)


async def deny_personal_tokens(rt: Runtime, token_ids: list[str], ttl: int) -> None:
    """Refuse these personal access tokens (by id) everywhere within a second, for `ttl`
    seconds: longer than any process may keep the token's lookup cached."""
    await _deny(rt, personal_token_denylist(rt), token_ids, ttl)


async def _deny(rt: Runtime, denylist: Denylist, jtis: list[str], ttl: int) -> None:
    if not jtis:
        return
    now = time.time()
    async with rt.redis.pipeline(transaction=True) as pipe:
        pipe.zadd(denylist.members_key, dict.fromkeys(jtis, now + ttl))
        pipe.zremrangebyscore(denylist.members_key, "-inf", now)
        pipe.expire(denylist.members_key, ttl)
        # A new random version, not a counter: a counter evicted and started again could
        # come back to the value a process last saw.
        pipe.set(denylist.version_key, secrets.token_hex(8))
        await pipe.execute()
    denylist.add(jtis)


class Denylist:
    """This process's copy of one Redis denylist, refreshed when a check finds it too old."""

    def __init__(self, members_key: str, version_key: str) -> None:
        self.members_key, self.version_key = members_key, version_key
        self.version: str | None = None
        self.fetched = False
        self.jtis: frozenset[str] = frozenset()
        self.fresh_until = 0.0  # time.monotonic()
        self._refreshing: asyncio.Task[None] | None = None

    async def refused(self, redis: Redis, jti: str) -> bool:
        if time.monotonic() >= self.fresh_until:
            await self._refresh(redis)
        return jti in self.jtis

    def add(self, jtis: list[str]) -> None:
        self.jtis = self.jtis.union(jtis)

    async def _refresh(self, redis: Redis) -> None:
        # One refresh at a time: requests arriving meanwhile wait for it, not a round trip each.
        task = self._refreshing
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            task = self._refreshing = asyncio.ensure_future(self._fetch(redis))
        await asyncio.shield(task)

    async def _fetch(self, redis: Redis) -> None:
        # Whatever was denied before this moment is in what is read next.
        asked = time.monotonic()
        # The client decodes replies (decode_responses): strings, not bytes.
        version = cast("str | None", await redis.get(self.version_key))
        if version != self.version or not self.fetched:
            members = cast(
                "list[str]", await redis.zrangebyscore(self.members_key, time.time(), "+inf")
            )
            self.jtis, self.version, self.fetched = frozenset(members), version, True
        self.fresh_until = asked + DENYLIST_REFRESH_SECONDS


# One copy per denylist per process, whichever runtime asks (tests run several at once).
_denylists: dict[tuple[str | None, str], Denylist] = {}


def process_denylist(rt: Runtime) -> Denylist:
    """This process's copy of the denylist `rt` writes to."""
    return _process_denylist(rt, "denied-jtis")


def personal_token_denylist(rt: Runtime) -> Denylist:
    """This process's copy of the revoked personal access tokens' ids."""
    return _process_denylist(rt, "denied-personal-tokens")


def _process_denylist(rt: Runtime, name: str) -> Denylist:
    members_key = key(rt.settings, name)
    found = _denylists.get((rt.settings.redis_url, members_key))
    if found is None:
        found = Denylist(members_key, key(rt.settings, f"{name}-version"))
        _denylists[(rt.settings.redis_url, members_key)] = found
    return found
