"""Rate limits kept in Redis, so every instance of every function spends the same budget.

Each budget is a counter whose window opens with its first attempt and lasts
`rate_limit_window_seconds`: INCR, then EXPIRE NX (only a fresh counter gets a lifetime),
then TTL for the Retry-After, all in one MULTI/EXEC round trip. No Lua, so the embedded
in-process stand-in behaves the same. EXPIRE NX needs Redis 7.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from functions.core.errors import RateLimited
from functions.core.kv import key
from functions.core.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass(frozen=True)
class Budget:
    """At most `limit` attempts per window by one `identity` (an address, an account) in `scope`."""

    scope: str
    identity: str
    limit: int


def _counter_key(settings: Settings, budget: Budget) -> str:
    # Hashed so that e-mail addresses never sit in Redis and keys stay short whatever the input.
    digest = hashlib.sha256(budget.identity.encode()).hexdigest()[:32]
    return key(settings, "rate", budget.scope, digest)


async def spend(redis: Redis, settings: Settings, *budgets: Budget) -> None:
    """Count one attempt against every budget; RateLimited if any of them is used up.

    Attempts are counted whether or not they succeed, and refused ones count too, so a
    client that keeps hammering stays refused until its window ends.
    """
    window = settings.rate_limit_window_seconds
    async with redis.pipeline(transaction=True) as pipe:
        for budget in budgets:
            counter = _counter_key(settings, budget)
            pipe.incr(counter)
            pipe.expire(counter, window, nx=True)
            pipe.ttl(counter)
        results = await pipe.execute()
    waits = [
        # TTL is -2 if the counter expired inside the transaction: its window is over.
        max(1, int(results[i * 3 + 2]))
        for i, budget in enumerate(budgets)
        if int(results[i * 3]) > budget.limit
    ]
    if waits:
        raise RateLimited("too many attempts; wait before trying again", retry_after=max(waits))
