"""Ended access tokens on the real Redis: refused by every process within a second."""

from __future__ import annotations

import asyncio
import secrets
import time

from functions.core.runtime import Runtime
from functions.core.security.access import (
    DENYLIST_REFRESH_SECONDS,
    Denylist,
    deny_access_tokens,
    process_denylist,
)


async def test_a_token_ended_in_one_process_is_refused_by_another_within_a_second(
    pg_runtime: Runtime,
) -> None:
    here = process_denylist(pg_runtime)
    # Another process's copy of the same denylist, read a moment before the session ends.
    elsewhere = Denylist(here.members_key, here.version_key)
    jti = secrets.token_urlsafe(16)
    assert not await elsewhere.refused(pg_runtime.redis, jti)

    await deny_access_tokens(pg_runtime, [jti])
    ended = time.monotonic()
    assert await here.refused(pg_runtime.redis, jti), "at once where it was ended"
    while not await elsewhere.refused(pg_runtime.redis, jti):
        assert time.monotonic() - ended <= DENYLIST_REFRESH_SECONDS
        await asyncio.sleep(0.02)  # the polling interval


async def test_a_process_started_after_the_ending_refuses_the_token_from_its_first_check(
    pg_runtime: Runtime,
) -> None:
    jti = secrets.token_urlsafe(16)
    await deny_access_tokens(pg_runtime, [jti, secrets.token_urlsafe(16)])
    here = process_denylist(pg_runtime)
    started_later = Denylist(here.members_key, here.version_key)
    assert await started_later.refused(pg_runtime.redis, jti)
    assert not await started_later.refused(pg_runtime.redis, secrets.token_urlsafe(16))
