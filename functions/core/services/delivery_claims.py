"""Claims on deliveries: each notice goes to each destination at most once.

A delivery (of one event to one destination: a webhook, a mailbox) is claimed in Redis while
it is attempted and remembered for a week once it succeeded, so neither a redelivery of the
event nor one overlapping an attempt still under way sends it twice. Shared by every channel
that sends outside TaskFlow (webhooks, e-mail).
"""

from __future__ import annotations

import hashlib
from typing import Final, Literal

from redis.asyncio import Redis

from functions.core.services.recipients import Notice

SENT_TTL_SECONDS: Final = 7 * 24 * 3600
# A delivery's Redis key: absent, claimed by an attempt under way, or done.
Claim = Literal["claimed", "sending", "sent"]
CLAIMED: Final = "claimed"
SENDING: Final = "sending"
SENT: Final = "sent"


async def claim_delivery(redis: Redis, key: str, seconds: int) -> Claim:
    """Claim one delivery (of one event to one destination) before attempting it.

    The key holds `sending` for `seconds` while an attempt is under way, then `sent` for a
    week once it succeeded (and is deleted if it failed), so neither a redelivery nor an
    overlapping attempt sends it twice.
    """
    if await redis.set(key, SENDING, nx=True, ex=seconds):
        return CLAIMED
    return SENT if await redis.get(key) == SENT else SENDING


async def settle_delivery(redis: Redis, key: str, *, delivered: bool) -> None:
    if delivered:
        await redis.set(key, SENT, ex=SENT_TTL_SECONDS)
    else:
        await redis.delete(key)  # free for the next attempt


def event_digest(notice: Notice) -> str:
    """The notice's event in a key-safe form (its source and id hashed: they may be any text)."""
    return hashlib.sha256(f"{notice.event_source}\n{notice.event_id}".encode()).hexdigest()[:32]
