"""The in-app notification feed, kept in Redis: stored once per event, read, and followed live.

Keys, each under the settings' prefix:

- `notifications:feed:<user>`: a stream, the person's feed. An entry's id is the
  notification's id (so ids sort by arrival, and a live stream resumes after any of them);
  its field `n` holds the notification. Trimmed to the newest `notification_feed_size`.
  Ids are unique within one person's feed: two people told of one event may share one.
- `notifications:unread:<user>`: a set of the feed's unread ids. It never holds an id the
  feed has dropped, so its size is the unread count, exactly.
- `notifications:seen:<sha256 of the event's source and id>`: an event already delivered.
- `notifications:resolved:<user>`: a set of the feed's due-soon ids whose task is since done,
  cancelled or deleted, or due at another time (trimmed with the feed, as the unread set).
- `notifications:due-soon:<task>`: a hash of the due-soon notices about a task still open,
  field `<user> <feed id>`, value the due instant: what to resolve when the task closes.

Resolving (the event that closes a task or moves its due date) WATCHes the task's hash and
MULTI/EXECs each notice's resolved mark, its unread mark's removal and the hash fields'
removal; it changes nothing more when the event comes again.

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
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel
from redis.exceptions import WatchError

from functions.core.clock import utcnow
from functions.core.kv import key, live_channel
from functions.core.live import announce
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
# Attempts at storing one event while other deliveries keep changing the same feeds.
STORE_ATTEMPTS: Final = 50
# Random waits between them (up to base * 2**attempt, capped): deliveries that all retry at
# once collide again, and a burst to one feed made some lose all 50 rounds (a spurious 500).
STORE_RETRY_BASE_SECONDS: Final = 0.001
STORE_RETRY_MAX_SECONDS: Final = 0.05
CURSOR_ORDER: Final = "newest"
_ID = re.compile(NOTIFICATION_ID_PATTERN)
# A task in one of these is no longer due (queries.tasks.CLOSED, without SQLAlchemy).
CLOSED_STATUSES: Final = frozenset({"done", "cancelled"})


def feed_key(s: Settings, user_id: uuid.UUID) -> str:
    return key(s, "notifications", "feed", str(user_id))


def unread_key(s: Settings, user_id: uuid.UUID) -> str:
    return key(s, "notifications", "unread", str(user_id))


def resolved_key(s: Settings, user_id: uuid.UUID) -> str:
    return key(s, "notifications", "resolved", str(user_id))


def due_soon_key(s: Settings, task_id: uuid.UUID) -> str:
    return key(s, "notifications", "due-soon", str(task_id))


def _seen_key(s: Settings, source: str, event_id: str) -> str:
    digest = hashlib.sha256(json.dumps([source, event_id]).encode()).hexdigest()
    return key(s, "notifications", "seen", digest)


def _position(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence)


def is_entry_id(value: Any) -> bool:
    """A stream entry id Redis accepts: two parts under 2**64."""
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        return False
    return all(part < 2**64 for part in _position(value))


# A stream entry as the client reads it (decode_responses=True): its id and its fields.
Entry = tuple[str, dict[str, str]]


def stream_entries(reply: Any) -> list[Entry]:
    """XRANGE/XREVRANGE entries; redis-py types them for every protocol and decoding."""
    return [(str(entry_id), dict(fields or {})) for entry_id, fields in reply or ()]


def notification_from(entry: Entry, unread: Any, resolved: Any = False) -> NotificationPublic:
    entry_id, fields = entry
    return NotificationPublic.model_validate(
        {**json.loads(fields["n"]), "id": entry_id, "read": not unread, "resolved": bool(resolved)}
    )


async def deliver(rt: Runtime, event: CloudEvent) -> list[NotificationPublic]:
    """Tell each person `event` concerns, in their feed and live: once, however often the
    event arrives (see `store`)."""
    # Imported here: the functions that only read the feed never touch PostgreSQL.
    from functions.core.database import reading
    from functions.core.services.recipients import notices_for, parse_data

    async with reading(rt.engine) as conn:
        notices = await notices_for(conn, event)
    stored = await store(rt, notices)
    # After the notices: a redelivery (this step failed) finds them stored and comes here.
    await resolve_due_soon(rt, parse_data(event))
    return stored


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
    feeds = [feed_key(s, notice.user_id) for notice in notices]
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
        due_at=notice.due_at,
    )
    feed, unread = feed_key(s, notice.user_id), unread_key(s, notice.user_id)
    fields = {"n": notification.model_dump_json(exclude={"id", "read", "resolved"})}
    size = s.notification_feed_size
    pipe.xadd(feed, fields, id=entry_id, maxlen=size, approximate=False)  # type: ignore[arg-type]
    pipe.sadd(unread, entry_id)
    if pushed_out:  # read or not, what the feed drops is no longer counted
        pipe.srem(unread, *pushed_out)
        pipe.srem(resolved_key(s, notice.user_id), *pushed_out)
    if notice.due_at is not None and notice.task_id is not None:
        # Remembered until the task closes or its due date moves (see resolve_due_soon).
        pending = due_soon_key(s, notice.task_id)
        pipe.hset(pending, f"{notice.user_id} {entry_id}", notice.due_at.isoformat())
        pipe.expire(pending, FEED_TTL)
    pipe.expire(feed, FEED_TTL)
    pipe.expire(unread, FEED_TTL)
    return notification


def resolving(data: BaseModel) -> tuple[uuid.UUID, datetime | None] | None:
    """The task whose due-soon notices `data` resolves, and the due instant still current
    (notices about it stay), or None when it resolves none: a task done, cancelled or
    deleted resolves them all; a due date moved or cleared, those about another instant."""
    from events.models import TaskDeleted, TaskStatusChanged, TaskUpdated

    match data:
        case TaskStatusChanged(task=task) if task.status in CLOSED_STATUSES:
            return task.id, None
        case TaskDeleted(task=task):
            return task.id, None
        case TaskUpdated(task=task, changed=changed) if {"due_at", "due_date"} & set(changed):
            return task.id, task.due_at
    return None


async def resolve_due_soon(rt: Runtime, data: BaseModel) -> int:
    """Mark the due-soon notices `data` makes stale resolved (and read), for everyone told;
    return how many. Once: what it resolved leaves the task's hash."""
    found = resolving(data)
    if found is None:
        return 0
    task_id, current = found
    pending = due_soon_key(rt.settings, task_id)
    attempt = 1
    while True:
        try:
            return await _resolve_once(rt, pending, current)
        except WatchError:  # a due-soon notice about the task was stored meanwhile: again
            if attempt == STORE_ATTEMPTS:
                raise
            ceiling = min(STORE_RETRY_MAX_SECONDS, STORE_RETRY_BASE_SECONDS * 2**attempt)
            await asyncio.sleep(random.uniform(0, ceiling))
            attempt += 1


async def _resolve_once(rt: Runtime, pending: str, current: datetime | None) -> int:
    s = rt.settings
    async with rt.redis.pipeline(transaction=True) as pipe:
        await pipe.watch(pending)
        notices: dict[str, str] = await pipe.hgetall(pending)  # type: ignore[assignment]
        stale = [
            field
            for field, due_at in notices.items()
            if current is None or datetime.fromisoformat(due_at) != current
        ]
        if not stale:
            return 0
        pipe.multi()  # type: ignore[no-untyped-call]
        for field in stale:
            user, _, entry_id = field.partition(" ")
            user_id = uuid.UUID(user)
            resolved = resolved_key(s, user_id)
            pipe.sadd(resolved, entry_id)
            pipe.expire(resolved, FEED_TTL)
            pipe.srem(unread_key(s, user_id), entry_id)
        pipe.hdel(pending, *stale)
        await pipe.execute()
    return len(stale)


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
        pushed_out = {
            i: [e[0] for e in stream_entries(o)] for i, o in zip(full, oldest, strict=True)
        }
    now = int(utcnow().timestamp() * 1000)
    return [(_next_id(stream_entries(n), now), pushed_out.get(i, [])) for i, n in enumerate(newest)]


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
    feed, unread = feed_key(s, user_id), unread_key(s, user_id)
    before = None
    if query.cursor is not None:
        (before,) = decode_cursor(query.cursor, CURSOR_ORDER, [is_entry_id])
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
        # Unread ones are never resolved (resolving marks them read).
        items = [
            notification_from(stream_entries(reply)[0], unread=True) for reply in found if reply
        ]
        more = len(ids) > query.limit
    else:
        newest = f"({before}" if before is not None else "+"
        entries = stream_entries(await redis.xrevrange(feed, newest, "-", count=query.limit + 1))
        more = len(entries) > query.limit
        entries = entries[: query.limit]
        ids = [i for i, _ in entries]
        unread_flags: list[Any] = []
        resolved_flags: list[Any] = []
        if entries:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.smismember(unread, ids)
                pipe.smismember(resolved_key(s, user_id), ids)
                unread_flags, resolved_flags = await pipe.execute()
        items = [
            notification_from(e, flag, resolved)
            for e, flag, resolved in zip(entries, unread_flags, resolved_flags, strict=True)
        ]
    next_cursor = encode_cursor(CURSOR_ORDER, [items[-1].id]) if more and items else None
    return NotificationsPublic(items=items, next_cursor=next_cursor)


async def unread_count(rt: Runtime, user_id: uuid.UUID) -> UnreadCount:
    count = await rt.redis.scard(unread_key(rt.settings, user_id))
    return UnreadCount(unread=count)


async def mark_read(rt: Runtime, user_id: uuid.UUID, request: MarkRead) -> UnreadCount:
    """Mark some notifications read (ids that are not unread are ignored), or all of them."""
    unread = unread_key(rt.settings, user_id)
    async with rt.redis.pipeline(transaction=True) as pipe:
        if request.all:
            pipe.delete(unread)
        else:
            pipe.srem(unread, *(request.ids or ()))
        pipe.scard(unread)
        *_, count = await pipe.execute()
    return UnreadCount(unread=count)
