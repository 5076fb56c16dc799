"""The in-app notification feed, kept in Redis: stored once per event, read, and followed live.

Keys, each under the settings' prefix:

- `notifications:feed:<user>`: a stream, the person's feed. An entry's id is the
  notification's id (so ids sort by arrival, and a live stream resumes after any of them);
  its field `n` holds the notification. Trimmed to the newest `notification_feed_size`.
  Ids are unique within one person's feed: two people told of one event may share one.
- `notifications:unread:<user>`: a set of the feed's unread ids. It never holds an id the
  feed has dropped, so its size is the unread count, exactly.
- `notifications:seen:<sha256 of the event's source and id>`: an event already delivered.

Storing is one optimistic transaction: WATCH the event's key and each recipient's feed,
read where each feed stands, then MULTI/EXEC the entries, their unread marks, the trimmed
ids' removal and the event's key together. A redelivered event finds its key and changes
nothing; of two deliveries racing, the second's EXEC fails and its retry finds the key.
No Lua: the embedded stand-in (fakeredis without `lupa`) cannot run scripts; WATCH and
stream reads, blocking ones included, behave the same on it and on Redis.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
import uuid
from collections.abc import AsyncGenerator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from redis.exceptions import WatchError

from functions.core.clock import utcnow
from functions.core.errors import InvalidInput
from functions.core.kv import key, live_channel
from functions.core.live import Follower, announce
from functions.core.models.notifications import (
    NOTIFICATION_ID_PATTERN,
    MarkRead,
    NotificationListQuery,
    NotificationPublic,
    NotificationsPublic,
    UnreadCount,
)
from functions.core.settings import Settings

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline

    from functions.core.runtime import Runtime
    from functions.core.services.recipients import Notice

# Long enough to outlast any redelivery or replay of the broker's retention.
DEDUPE_TTL: Final = timedelta(days=7)
# A feed nobody has been notified in for this long goes (its unread set with it).
FEED_TTL: Final = timedelta(days=180)
# Entries a live stream reads at once: a reconnect replays its backlog in batches of this.
READ_BATCH: Final = 100
# Attempts at storing one event while other deliveries keep changing the same feeds.
STORE_ATTEMPTS: Final = 50
# Random waits between them (up to base * 2**attempt, capped): deliveries that all retry at
# once collide again, and a burst to one feed made some lose all 50 rounds (a spurious 500).
STORE_RETRY_BASE_SECONDS: Final = 0.001
STORE_RETRY_MAX_SECONDS: Final = 0.05
CURSOR_ORDER: Final = "newest"
BAD_LAST_EVENT_ID: Final = "Last-Event-ID is not the id of a notification this stream sent"
_ID = re.compile(NOTIFICATION_ID_PATTERN)


def _feed_key(s: Settings, user_id: uuid.UUID) -> str:
    return key(s, "notifications", "feed", str(user_id))


def _unread_key(s: Settings, user_id: uuid.UUID) -> str:
    return key(s, "notifications", "unread", str(user_id))


def _seen_key(s: Settings, source: str, event_id: str) -> str:
    digest = hashlib.sha256(json.dumps([source, event_id]).encode()).hexdigest()
    return key(s, "notifications", "seen", digest)


def _position(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence)


def _is_id(value: Any) -> bool:
    """A stream entry id Redis accepts: two parts under 2**64."""
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        return False
    return all(part < 2**64 for part in _position(value))


# A stream entry as the client reads it (decode_responses=True): its id and its fields.
Entry = tuple[str, dict[str, str]]


def _entries(reply: Any) -> list[Entry]:
    """XRANGE/XREVRANGE entries; redis-py types them for every protocol and decoding."""
    return [(str(entry_id), dict(fields or {})) for entry_id, fields in reply or ()]


def _notification(entry: Entry, unread: Any) -> NotificationPublic:
    entry_id, fields = entry
    return NotificationPublic.model_validate(
        {**json.loads(fields["n"]), "id": entry_id, "read": not unread}
    )


async def deliver(rt: Runtime, event: CloudEvent) -> list[NotificationPublic]:
    """Tell each person `event` concerns, in their feed and live: once, however often the
    event arrives (see `store`)."""
    # Imported here: the functions that only read the feed never touch PostgreSQL.
    from functions.core.database import reading
    from functions.core.services.recipients import notices_for

    async with reading(rt.engine) as conn:
        notices = await notices_for(conn, event)
    return await store(rt, notices)


async def store(rt: Runtime, notices: Sequence[Notice]) -> list[NotificationPublic]:
    """Add each notice of one event to its recipient's feed as an unread notification.

    The event counts once: when its (source, id) was delivered before, nothing changes and
    the answer is empty. Each stored notification also reaches its owner's live streams.
    """
    if not notices:
        return []
    event = {(n.event_source, n.event_id) for n in notices}
    if len(event) != 1:
        raise ValueError("store the notices of one event at a time")
    ((source, event_id),) = event
    each: dict[uuid.UUID, Notice] = {}
    for notice in notices:
        each.setdefault(notice.user_id, notice)  # one per person
    seen = _seen_key(rt.settings, source, event_id)
    attempt = 1
    while True:
        try:
            return await _store_once(rt, seen, list(each.values()))
        except WatchError:  # another delivery changed a watched key first: look again
            if attempt == STORE_ATTEMPTS:
                raise
            ceiling = min(STORE_RETRY_MAX_SECONDS, STORE_RETRY_BASE_SECONDS * 2**attempt)
            await asyncio.sleep(random.uniform(0, ceiling))
            attempt += 1


async def _store_once(rt: Runtime, seen: str, notices: list[Notice]) -> list[NotificationPublic]:
    s = rt.settings
    feeds = [_feed_key(s, notice.user_id) for notice in notices]
    async with rt.redis.pipeline(transaction=True) as pipe:
        await pipe.watch(seen, *feeds)
        plans = await _plans(rt.redis, seen, feeds, s.notification_feed_size)
        if plans is None:
            return []
        pipe.multi()  # type: ignore[no-untyped-call]
        pipe.set(seen, "1", ex=DEDUPE_TTL)
        stored = [_add(pipe, s, notice, plan) for notice, plan in zip(notices, plans, strict=True)]
        announce(pipe, live_channel(s), feeds)
        await pipe.execute()  # WatchError when a watched key changed since the WATCH
    return stored


def _add(
    pipe: Pipeline, s: Settings, notice: Notice, plan: tuple[str, list[str]]
) -> NotificationPublic:
    """Queue one notice's feed entry, its unread mark, and the unmarking of what it pushes out."""
    entry_id, pushed_out = plan
    notification = NotificationPublic(
        id=entry_id,
        kind=notice.kind,
        message=notice.message,
        task_id=notice.task_id,
        project_id=notice.project_id,
        actor_id=notice.actor_id,
        created_at=notice.time,
        read=False,
    )
    feed, unread = _feed_key(s, notice.user_id), _unread_key(s, notice.user_id)
    fields = {"n": notification.model_dump_json(exclude={"id", "read"})}
    size = s.notification_feed_size
    pipe.xadd(feed, fields, id=entry_id, maxlen=size, approximate=False)  # type: ignore[arg-type]
    pipe.sadd(unread, entry_id)
    if pushed_out:  # read or not, what the feed drops is no longer counted
        pipe.srem(unread, *pushed_out)
    pipe.expire(feed, FEED_TTL)
    pipe.expire(unread, FEED_TTL)
    return notification


async def _plans(
    redis: Redis, seen: str, feeds: Sequence[str], size: int
) -> list[tuple[str, list[str]]] | None:
    """For each feed, the id its next entry takes and the oldest ids it pushes out; None when
    the event was stored before. Read after the caller's WATCH (on another connection, which
    WATCH allows), in one round trip for every feed, and a second only when some are full."""
    async with redis.pipeline(transaction=False) as reads:
        reads.exists(seen)
        for feed in feeds:
            reads.xrevrange(feed, count=1)
            reads.xlen(feed)
        answers = await reads.execute()
    if answers[0]:
        return None
    newest, lengths = answers[1::2], answers[2::2]
    full = {i: length + 1 - size for i, length in enumerate(lengths) if length + 1 - size > 0}
    pushed_out: dict[int, list[str]] = {}
    if full:
        async with redis.pipeline(transaction=False) as reads:
            for i, excess in full.items():
                reads.xrange(feeds[i], count=excess)
            oldest = await reads.execute()
        pushed_out = {i: [e[0] for e in _entries(o)] for i, o in zip(full, oldest, strict=True)}
    now = int(utcnow().timestamp() * 1000)
    return [(_next_id(_entries(n), now), pushed_out.get(i, [])) for i, n in enumerate(newest)]


def _next_id(newest: list[Entry], now: int) -> str:
    """A new entry's id: now, or just after the newest entry when that is not older (ids only
    grow, whatever another process's clock says)."""
    if newest:
        milliseconds, sequence = _position(newest[0][0])
        if milliseconds >= now:
            return f"{milliseconds}-{sequence + 1}"
    return f"{now}-0"


async def list_notifications(
    rt: Runtime, user_id: uuid.UUID, query: NotificationListQuery
) -> NotificationsPublic:
    """A page of the feed, newest first, or of its unread notifications only."""
    # Imported here: pagination brings SQLAlchemy, which the feed's other readers never load.
    from functions.core.pagination import decode_cursor, encode_cursor

    s, redis = rt.settings, rt.redis
    feed, unread = _feed_key(s, user_id), _unread_key(s, user_id)
    before = None
    if query.cursor is not None:
        (before,) = decode_cursor(query.cursor, CURSOR_ORDER, [_is_id])
    if query.unread_only:
        members: set[str] = await redis.smembers(unread)  # type: ignore[assignment]
        ids = sorted(members, key=_position, reverse=True)
        if before is not None:
            ids = [i for i in ids if _position(i) < _position(before)]
        async with redis.pipeline(transaction=False) as pipe:
            for entry_id in ids[: query.limit]:
                pipe.xrange(feed, entry_id, entry_id)
            found = await pipe.execute()
        # An entry the feed dropped since the set was read is gone from both: skip it.
        items = [_notification(_entries(reply)[0], unread=True) for reply in found if reply]
        more = len(ids) > query.limit
    else:
        newest = f"({before}" if before is not None else "+"
        entries = _entries(await redis.xrevrange(feed, newest, "-", count=query.limit + 1))
        more = len(entries) > query.limit
        entries = entries[: query.limit]
        flags = await redis.smismember(unread, [i for i, _ in entries]) if entries else []
        items = [_notification(e, flag) for e, flag in zip(entries, flags, strict=True)]
    next_cursor = encode_cursor(CURSOR_ORDER, [items[-1].id]) if more and items else None
    return NotificationsPublic(items=items, next_cursor=next_cursor)


async def unread_count(rt: Runtime, user_id: uuid.UUID) -> UnreadCount:
    count = await rt.redis.scard(_unread_key(rt.settings, user_id))
    return UnreadCount(unread=count)


async def mark_read(rt: Runtime, user_id: uuid.UUID, request: MarkRead) -> UnreadCount:
    """Mark some notifications read (ids that are not unread are ignored), or all of them."""
    unread = _unread_key(rt.settings, user_id)
    async with rt.redis.pipeline(transaction=True) as pipe:
        if request.all:
            pipe.delete(unread)
        else:
            pipe.srem(unread, *(request.ids or ()))
        pipe.scard(unread)
        *_, count = await pipe.execute()
    return UnreadCount(unread=count)


async def stream_position(rt: Runtime, user_id: uuid.UUID, last_event_id: str | None) -> str:
    """Where a live stream starts: after the id its client last saw, or after the newest."""
    if last_event_id is not None:
        if not _is_id(last_event_id.strip()):
            raise InvalidInput(BAD_LAST_EVENT_ID)
        return last_event_id.strip()
    newest = _entries(await rt.redis.xrevrange(_feed_key(rt.settings, user_id), count=1))
    return newest[0][0] if newest else "0-0"


class LiveFeed:
    """One open stream's view of a person's feed: what it missed, then what arrives.

    Built by `follow`; `close` it when the stream ends (it is safe to call more than once).
    """

    __slots__ = ("follower", "rt", "unread")

    def __init__(self, rt: Runtime, follower: Follower, unread: str) -> None:
        self.rt, self.follower, self.unread = rt, follower, unread

    async def batches(self, idle_seconds: float) -> AsyncGenerator[list[NotificationPublic], None]:
        """Each notification after the stream's position, oldest first, in batches: those in
        the feed already (with their read marks), then each batch as the process's live
        reader hands it over; an empty batch after `idle_seconds` of quiet. Raises
        FellBehind when the reader fell too far behind, Closing once closed."""
        redis: Redis = self.rt.redis
        follower = self.follower
        while True:
            start = "({}-{}".format(*follower.after)
            entries = _entries(await redis.xrange(follower.key, min=start, count=READ_BATCH))
            if entries:
                flags = await redis.smismember(self.unread, [i for i, _ in entries])
                follower.sent(entries[-1][0])
                yield [_notification(e, f) for e, f in zip(entries, flags, strict=True)]
            if len(entries) < READ_BATCH:
                break
        self.rt.live.caught_up(follower)
        while True:
            # Stored just now, so unread.
            yield [_notification(entry, True) for entry in await follower.next(idle_seconds)]

    def close(self) -> None:
        self.follower.close()
        self.rt.live.unfollow(self.follower)


def follow(rt: Runtime, user_id: uuid.UUID, position: str) -> LiveFeed:
    """Follow a person's feed live from just after `position` (see `stream_position`)."""
    feed, unread = _feed_key(rt.settings, user_id), _unread_key(rt.settings, user_id)
    return LiveFeed(rt, rt.live.follow(feed, position), unread)
