"""Calendar feeds: a private iCalendar URL per feed, holding its owner's tasks with due dates.

A feed shows the tasks its owner is assigned to or watches (as `watchers` counts them: the
creator, the assignee, who commented, was mentioned or chose to watch, minus who chose not
to, in projects they are still a member of) that are due from `PAST_DAYS` days ago on, at
most `MAX_EVENTS`, soonest first. Each task is a VEVENT: all-day tasks on their day
(VALUE=DATE), timed ones at their due instant, with no duration and transparent (a due date
takes no time); a done task's summary starts with "✓ ", a cancelled one is STATUS:CANCELLED.

The URL carries a secret of which only its SHA-256 is stored. Documents are cached in Redis
until the next change to what they show, or `calendar_cache_seconds`. Keys, under the prefix:

- `calendar:gen:<user>`: the owner's current cache generation (a random token), made by the
  first fetch after a change and living `calendar_cache_seconds`. Forgetting an owner's
  documents deletes it: a document built from what was read before the change is written
  under the old generation, where no fetch looks again.
- `calendar:doc:<user>:<generation>`: a hash of each feed's document and entity tag.
- `calendar:project:<project>`: who has documents that show that project's tasks, so a change
  to it (the `refresh_calendars` event function) forgets theirs; added to before the tasks
  are read, so a change that follows the read finds its reader.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Select, and_, delete, func, insert, or_, select, update

from events import types
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import Conflict, InvalidInput, NotFound
from functions.core.kv import key
from functions.core.models.calendar import (
    CalendarFeedCreate,
    CalendarFeedCreated,
    CalendarFeedPublic,
    CalendarFeedsPublic,
)
from functions.core.runtime import Runtime
from functions.core.security.digests import secret_hash
from functions.core.settings import Settings
from functions.core.tables import calendar_feeds, project_members, projects, task_watchers, tasks
from functions.core.tables import users as users_table

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from sqlalchemy.engine import Row

MAX_FEEDS_PER_USER: Final = 10
# Tasks due this long ago or later; a feed is about what is coming, and what just passed.
PAST_DAYS: Final = 90
MAX_EVENTS: Final = 2000
# A fetch records when a feed was used, at most once in this long (a write per poll is waste).
LAST_USED_PRECISION: Final = timedelta(hours=1)
# How often calendar apps that honour it (REFRESH-INTERVAL, X-PUBLISHED-TTL) poll.
REFRESH_INTERVAL: Final = timedelta(minutes=30)
PRODID: Final = "-//TaskFlow//Calendar feed//EN"
DONE_MARK: Final = "✓ "
# A description longer than this is cut (the link leads to the whole of it).
DESCRIPTION_CHARS: Final = 2000
# RFC 5545 PRIORITY: 1 is the highest, 9 the lowest.
_PRIORITIES: Final = {"urgent": 1, "high": 3, "medium": 5, "low": 9}
# secrets.token_urlsafe(32): 43 characters of base64url; anything else names no feed.
_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{43}")
_SUFFIX: Final = ".ics"
_MEMBERSHIP: Final = (types.MEMBER_ADDED, types.MEMBER_REMOVED)
# Team changes that change nothing a feed shows: its documents are kept.
_UNSHOWN: Final = frozenset(
    {
        types.COMMENT_DELETED,
        types.MEMBER_CHANGED,
        types.TASK_RELATION_ADDED,
        types.TASK_RELATION_REMOVED,
        types.ATTACHMENT_ADDED,
        types.ATTACHMENT_DELETED,
    }
)


@dataclass(frozen=True)
class FeedDocument:
    """A feed's iCalendar document and its entity tag (quoted, as the header carries it)."""

    body: str
    etag: str


@dataclass(frozen=True)
class _Feed:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str


def feed_url(settings: Settings, secret: str) -> str:
    return f"{settings.public_url.rstrip('/')}/api/calendar/ical/{secret}{_SUFFIX}"


async def create_feed(
    rt: Runtime, user_id: uuid.UUID, request: CalendarFeedCreate
) -> CalendarFeedCreated:
    """A new feed of the caller's; its URL, holding the secret, is shown this once."""
    secret = secrets.token_urlsafe(32)
    created = CalendarFeedCreated(
        id=uuid.uuid4(),
        name=request.name,
        url=feed_url(rt.settings, secret),
        created_at=utcnow(),
    )
    async with transaction(rt.engine) as conn:
        # The user's row is the lock that keeps two concurrent creations from passing the cap.
        await conn.execute(
            select(users_table.c.id).where(users_table.c.id == user_id).with_for_update()
        )
        count = await conn.scalar(
            select(func.count())
            .select_from(calendar_feeds)
            .where(calendar_feeds.c.user_id == user_id)
        )
        if (count or 0) >= MAX_FEEDS_PER_USER:
            raise Conflict(
                f"a person may have {MAX_FEEDS_PER_USER} calendar feeds: revoke one first"
            )
        await conn.execute(
            insert(calendar_feeds).values(
                id=created.id,
                user_id=user_id,
                name=created.name,
                secret_hash=secret_hash(secret),
                created_at=created.created_at,
            )
        )
    return created


async def list_feeds(rt: Runtime, user_id: uuid.UUID) -> CalendarFeedsPublic:
    """The caller's feeds, oldest first, without their URLs."""
    async with reading(rt.engine) as conn:
        rows = (
            await conn.execute(
                select(
                    calendar_feeds.c.id,
                    calendar_feeds.c.name,
                    calendar_feeds.c.created_at,
                    calendar_feeds.c.last_used_at,
                )
                .where(calendar_feeds.c.user_id == user_id)
                .order_by(calendar_feeds.c.created_at, calendar_feeds.c.id)
            )
        ).all()
    return CalendarFeedsPublic(items=[CalendarFeedPublic.model_validate(row) for row in rows])


async def revoke_feed(rt: Runtime, user_id: uuid.UUID, feed_id: uuid.UUID) -> None:
    """Revoke one of the caller's feeds: its URL answers 404 from now on. Anyone else's is
    not found."""
    async with transaction(rt.engine) as conn:
        deleted = await conn.execute(
            delete(calendar_feeds).where(
                calendar_feeds.c.id == feed_id, calendar_feeds.c.user_id == user_id
            )
        )
        if not deleted.rowcount:
            raise NotFound("no such calendar feed")
    # Fetches look the secret up first, so this only frees the memory.
    await forget(rt, [user_id])


async def feed_document(rt: Runtime, token: str) -> FeedDocument:
    """The document of the feed whose secret is `token` (with or without `.ics`), from the
    cache or built afresh; NotFound for a token that names no feed (never was, or revoked)."""
    feed = await _feed_by_token(rt, token)
    seconds = rt.settings.calendar_cache_seconds
    if not seconds:
        return await _build(rt, feed)
    redis, s = rt.redis, rt.settings
    generation = await _generation(rt, feed.user_id, seconds)
    documents = key(s, "calendar", "doc", str(feed.user_id), generation)
    body, etag = await redis.hmget(documents, [_body_field(feed.id), _etag_field(feed.id)])
    if body is not None and etag is not None:
        return FeedDocument(str(body), str(etag))
    # Who reads a project's tasks is known before they are read (see the module's docstring).
    project_ids = await _project_ids(rt, feed.user_id)
    async with redis.pipeline(transaction=False) as pipe:
        for project_id in project_ids:
            readers = key(s, "calendar", "project", str(project_id))
            pipe.sadd(readers, str(feed.user_id))
            pipe.expire(readers, seconds)
        await pipe.execute()
    document = await _build(rt, feed)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            documents,
            mapping={_body_field(feed.id): document.body, _etag_field(feed.id): document.etag},
        )
        pipe.expire(documents, seconds)
        await pipe.execute()
    return document


async def forget(rt: Runtime, user_ids: Iterable[uuid.UUID]) -> None:
    """Drop these people's cached documents: the next fetch of each of their feeds builds
    its document afresh."""
    names = [key(rt.settings, "calendar", "gen", str(u)) for u in dict.fromkeys(user_ids)]
    if names:
        await rt.redis.delete(*names)


async def refresh(rt: Runtime, event: CloudEvent) -> None:
    """A change in a project: forget the documents of whoever has one showing its tasks, and
    of the person a membership event is about (a new member's feed gains the project)."""
    if event["type"] in _UNSHOWN:
        return
    data = event.get_data()
    data = data if isinstance(data, dict) else {}
    project = event.get(types.PROJECT_ID) or data.get("project_id") or _nested_id(data)
    try:
        project_id = uuid.UUID(str(project))
        member = [uuid.UUID(str(data["user_id"]))] if event["type"] in _MEMBERSHIP else []
    except (KeyError, ValueError) as exc:
        raise InvalidInput(f"{event['type']} needs a project id (and a member's id)") from exc
    readers = key(rt.settings, "calendar", "project", str(project_id))
    shown_to = await rt.redis.smembers(readers)
    await forget(rt, [*member, *(uuid.UUID(str(u)) for u in shown_to)])


def _nested_id(data: dict[str, Any]) -> Any:
    """The project of an event whose data holds a task or project snapshot."""
    for name, field in (("task", "project_id"), ("project", "id")):
        inner = data.get(name)
        if isinstance(inner, dict) and inner.get(field):
            return inner[field]
    return None


def _body_field(feed_id: uuid.UUID) -> str:
    return f"body:{feed_id}"


def _etag_field(feed_id: uuid.UUID) -> str:
    return f"etag:{feed_id}"


async def _generation(rt: Runtime, user_id: uuid.UUID, seconds: int) -> str:
    """The owner's cache generation, made if there is none (it lives `seconds`, which caps
    how long any document of its stays in use)."""
    name = key(rt.settings, "calendar", "gen", str(user_id))
    fresh = secrets.token_hex(8)
    if await rt.redis.set(name, fresh, nx=True, ex=seconds):
        return fresh
    current = await rt.redis.get(name)
    if current is None:  # forgotten in between: this fetch's document is used by none other
        return fresh
    return str(current)


async def _feed_by_token(rt: Runtime, token: str) -> _Feed:
    secret = token.removesuffix(_SUFFIX)
    if not _SECRET.fullmatch(secret):
        raise NotFound("no such calendar feed")
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(
                    calendar_feeds.c.id,
                    calendar_feeds.c.user_id,
                    calendar_feeds.c.name,
                    calendar_feeds.c.last_used_at,
                ).where(calendar_feeds.c.secret_hash == secret_hash(secret))
            )
        ).first()
    if row is None:
        raise NotFound("no such calendar feed")
    now = utcnow()
    if row.last_used_at is None or row.last_used_at < now - LAST_USED_PRECISION:
        async with transaction(rt.engine) as conn:
            await conn.execute(
                update(calendar_feeds).where(calendar_feeds.c.id == row.id).values(last_used_at=now)
            )
    return _Feed(row.id, row.user_id, row.name)


async def _project_ids(rt: Runtime, user_id: uuid.UUID) -> list[uuid.UUID]:
    async with reading(rt.engine) as conn:
        return list(
            (
                await conn.scalars(
                    select(project_members.c.project_id).where(project_members.c.user_id == user_id)
                )
            ).all()
        )


async def _tasks(rt: Runtime, user_id: uuid.UUID) -> Sequence[Row[Any]]:
    """The person's tasks with due dates in the feed's window, soonest first."""
    choice = task_watchers.alias("choice")
    implicit = or_(tasks.c.assignee_id == user_id, tasks.c.creator_id == user_id)
    statement: Select[Any] = (
        select(
            tasks.c.id,
            tasks.c.project_id,
            tasks.c.title,
            tasks.c.description,
            tasks.c.status,
            tasks.c.priority,
            tasks.c.due_at,
            tasks.c.due_date,
            tasks.c.created_at,
            tasks.c.updated_at,
            tasks.c.version,
            projects.c.name.label("project_name"),
        )
        .join(
            project_members,
            and_(
                project_members.c.project_id == tasks.c.project_id,
                project_members.c.user_id == user_id,
            ),
        )
        .join(projects, projects.c.id == tasks.c.project_id)
        .outerjoin(choice, and_(choice.c.task_id == tasks.c.id, choice.c.user_id == user_id))
        .where(
            tasks.c.due_at.is_not(None),
            tasks.c.due_at >= utcnow() - timedelta(days=PAST_DAYS),
            # Their own choice (watch or unwatch) wins; without one, creator and assignee watch.
            or_(choice.c.watching.is_(True), and_(choice.c.task_id.is_(None), implicit)),
        )
        .order_by(tasks.c.due_at, tasks.c.id)
        .limit(MAX_EVENTS)
    )
    async with reading(rt.engine) as conn:
        rows: Sequence[Row[Any]] = (await conn.execute(statement)).all()
    return rows


async def _build(rt: Runtime, feed: _Feed) -> FeedDocument:
    rows = await _tasks(rt, feed.user_id)
    # icalendar takes about a third of a millisecond an event: in a thread, so that a long
    # feed does not hold up every other request of this process meanwhile.
    return await asyncio.to_thread(_document, feed, rows, rt.settings)


def _document(feed: _Feed, rows: Sequence[Row[Any]], settings: Settings) -> FeedDocument:
    """The iCalendar document: the same rows always make the same bytes (and entity tag)."""
    from icalendar import Calendar, Event  # on first use: only the feed's process needs it

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", feed.name)
    calendar.add("name", feed.name)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    base = settings.public_url.rstrip("/")
    for row in rows:
        link = f"{base}/projects/{row.project_id}?task={row.id}"
        event = Event()
        event.add("uid", f"{row.id}@taskflow")
        # Without a METHOD, DTSTAMP is the time the information last changed (RFC 5545).
        event.add("dtstamp", row.updated_at)
        event.add("last-modified", row.updated_at)
        event.add("created", row.created_at)
        event.add("sequence", max(row.version - 1, 0))
        event.add("dtstart", row.due_date if row.due_date is not None else row.due_at)
        done = row.status == "done"
        event.add("summary", (DONE_MARK if done else "") + row.title)
        description = _shortened(row.description)
        description = f"{description}\n\n{link}" if description else link
        event.add("description", description)
        event.add("url", link)
        event.add("categories", [row.project_name])
        event.add("priority", _PRIORITIES.get(row.priority, 0))
        # A due date is a moment, not time taken: it never makes its owner look busy.
        event.add("transp", "TRANSPARENT")
        if row.status == "cancelled":
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    body = calendar.to_ical().decode()
    return FeedDocument(body, f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"')


def _shortened(text: str) -> str:
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"
