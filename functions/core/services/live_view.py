"""One person's live view: their notifications and every change to their projects, on one
stream (browsers allow six connections per host, so a tab keeps one).

A stream follows, through the process's `LiveStreams` hub, the person's notification feed,
their access stream (projects they are added to) and the change stream of each project they
are a member of (`team_changes`). Membership is read from PostgreSQL when the stream opens
and whenever the access stream or a project's changes say it changed: a project someone is
added to is followed from that moment, without a reconnect; a project they are removed
from (or that is deleted) is dropped after that change is sent.

Each event's SSE `id:` is the stream's whole position, so `Last-Event-ID` resumes exactly:

    n:<feed id>~a:<access id>~t:<ms>~<project hex>:<change id>~...

`t` is a time on Redis's clock (the clock of every change id): a project not listed is
resumed after it. A plain `<feed id>` (what streams sent before) resumes the feed only.
When the changes a stream missed are no longer all kept, it is sent `refetch` instead.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, NamedTuple

from events import types
from functions.core.live import Follower, stream_id
from functions.core.models.live import Revoked
from functions.core.services.notifications import (
    feed_key,
    is_entry_id,
    notification_from,
    stream_entries,
    unread_key,
)
from functions.core.services.team_changes import CHANGE_FIELD, access_key, project_key

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from functions.core.runtime import Runtime

NOTIFICATION: Final = "notification"
CHANGE: Final = "change"
REVOKED: Final = "revoked"
REFETCH: Final = "refetch"
# Entries read at once while replaying what a reconnecting stream missed.
REPLAY_BATCH: Final = 100
# A position lists at most this many projects (a person in more is resumed from `t`).
MAX_LISTED: Final = 2000
_MAX_SEQUENCE: Final = 2**64 - 1
_HEX = re.compile(r"[0-9a-f]{32}")
# Changes that may end a member's view of a project: read before they are passed on.
_PROJECT_CHANGE_PREFIX: Final = '{"type":"com.taskflow.project.'


class Item(NamedTuple):
    """One SSE event: its name, its data (JSON) and its id (the position after it)."""

    event: str
    data: str
    id: str | None


@dataclass
class Position:
    """Where a stream stands: see the module's docstring."""

    feed: str
    access: str
    base_ms: int
    projects: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        """The position of a project not listed: everything from `base_ms` on is news."""
        return f"{self.base_ms - 1}-{_MAX_SEQUENCE}"

    @classmethod
    def parse(cls, token: str, now_ms: int) -> Position | None:
        """The position a Last-Event-ID names; None if it is not one a stream sends."""
        token = token.strip()
        if is_entry_id(token):  # a feed id, as streams sent before they carried changes
            return cls(feed=token, access="0-0", base_ms=now_ms)
        parts = dict(part.partition(":")[::2] for part in token.split("~"))
        feed, access, base = parts.pop("n", ""), parts.pop("a", ""), parts.pop("t", "")
        ids = [feed, access, *parts.values()]
        if (
            not base.isdigit()
            or len(base) > 20
            or len(parts) > MAX_LISTED
            or not all(is_entry_id(i) for i in ids)
            or not all(_HEX.fullmatch(p) for p in parts)
        ):
            return None
        projects = {uuid.UUID(hex=p): i for p, i in parts.items()}
        return cls(feed=feed, access=access, base_ms=int(base), projects=projects)


class LiveView:
    """One open stream (see the module's docstring). Built by `open_view`; `close` it when the
    stream ends (safe to call more than once)."""

    def __init__(
        self, rt: Runtime, user_id: uuid.UUID, position: Position, members_of: set[uuid.UUID]
    ) -> None:
        self.rt, self.user_id = rt, user_id
        s = rt.settings
        self.feed, self.unread, self.access = (
            feed_key(s, user_id),
            unread_key(s, user_id),
            access_key(s, user_id),
        )
        self.base_ms = position.base_ms
        self.projects: dict[str, uuid.UUID] = {}
        self.follower: Follower = rt.live.follow({self.feed: position.feed})
        rt.live.add(self.follower, self.access, position.access)
        for project_id in members_of:
            self._follow_project(project_id, position.projects.get(project_id, position.base))
        self.opening: list[Item] = []

    def close(self) -> None:
        self.follower.close()
        self.rt.live.unfollow(self.follower)

    def position(self) -> str:
        """The SSE id for where the stream now stands."""
        after = self.follower.after
        base = (self.base_ms - 1, _MAX_SEQUENCE)
        parts = [
            f"n:{self.follower.position(self.feed)}",
            f"a:{self.follower.position(self.access)}",
            f"t:{self.base_ms}",
        ]
        parts.extend(
            f"{project_id.hex}:{'{}-{}'.format(*after[key])}"
            for key, project_id in self.projects.items()
            if after.get(key, base) > base
        )
        return "~".join(parts)

    async def batches(self, idle_seconds: float) -> AsyncGenerator[list[Item], None]:
        """What the stream sends, in batches: what it must say first (revoked projects, a
        refetch), what it missed, then each batch as the process's live reader hands it
        over; an empty batch after `idle_seconds` of quiet. Raises FellBehind when the reader
        fell too far behind, Closing once closed."""
        if self.opening:
            yield self.opening
        for key in [self.feed, self.access, *self.projects]:
            async for batch in self._replay(key):
                yield batch
        while True:
            entries = await self.follower.next(idle_seconds)
            if not entries:
                yield []
                continue
            items: list[Item] = []
            for key, (entry_id, fields) in entries:
                if key in self.follower.after:  # not dropped by an earlier entry of the batch
                    items.extend(await self._items(key, entry_id, fields, unread=True))
            yield items

    async def _replay(self, key: str) -> AsyncGenerator[list[Item], None]:
        """What `key` holds after where the stream stands on it, then the hub takes over."""
        redis: Redis = self.rt.redis
        while key in self.follower.after:
            start = f"({self.follower.position(key)}"
            entries = stream_entries(await redis.xrange(key, min=start, count=REPLAY_BATCH))
            flags: Iterable[object] = [True] * len(entries)
            if key == self.feed and entries:
                flags = await redis.smismember(self.unread, [i for i, _ in entries])
            items: list[Item] = []
            for (entry_id, fields), unread in zip(entries, flags, strict=True):
                if key not in self.follower.after:
                    break
                self.follower.sent(key, entry_id)
                items.extend(await self._items(key, entry_id, fields, unread=bool(unread)))
            if items:
                yield items
            if len(entries) < REPLAY_BATCH:
                break
        if key in self.follower.after:
            self.rt.live.caught_up(self.follower, key)

    async def _items(
        self, key: str, entry_id: str, fields: dict[str, str], *, unread: bool
    ) -> list[Item]:
        """The SSE events one entry makes, the stream's position moved past it."""
        if key == self.feed:
            notification = notification_from((entry_id, fields), unread)
            return [Item(NOTIFICATION, notification.model_dump_json(), self.position())]
        change = fields[CHANGE_FIELD]
        if key == self.access:
            return await self._access_changed(entry_id, change)
        if change.startswith(_PROJECT_CHANGE_PREFIX) and self._ends_view(change):
            self._unfollow_project(key)
        return [Item(CHANGE, change, self.position())]

    async def _access_changed(self, entry_id: str, change: str) -> list[Item]:
        """The person was added to a project: follow it from here on, if they still belong."""
        project_id = uuid.UUID(json.loads(change)["project_id"])
        items = [Item(CHANGE, change, self.position())]
        if project_key(self.rt.settings, project_id) in self.projects:
            return items
        if project_id in await member_projects(self.rt, self.user_id, only=project_id):
            # Its stream's own record of the addition comes before `entry_id`: not sent twice.
            key = self._follow_project(project_id, entry_id)
            async for batch in self._replay(key):
                items.extend(batch)
        return items

    def _ends_view(self, change: str) -> bool:
        parsed = json.loads(change)
        if parsed["type"] == types.PROJECT_DELETED:
            return True
        return bool(
            parsed["type"] == types.MEMBER_REMOVED
            and parsed["data"].get("user_id") == str(self.user_id)
        )

    def _follow_project(self, project_id: uuid.UUID, position: str) -> str:
        key = project_key(self.rt.settings, project_id)
        self.projects[key] = project_id
        self.rt.live.add(self.follower, key, position)
        return key

    def _unfollow_project(self, key: str) -> None:
        self.rt.live.drop(self.follower, key)
        self.projects.pop(key, None)


async def open_view(rt: Runtime, user_id: uuid.UUID, last_event_id: str | None) -> LiveView:
    """Where a stream starts: after the position its client last saw, or at the newest of
    everything. A Last-Event-ID no stream sent (a client's own, or damaged) starts it at the
    newest too, led by `refetch`: the client's view may be stale, and an EventSource refused
    with an error would stop reconnecting. Resolved before the stream answers, so a server
    down is a 503, not a broken stream."""
    s, redis = rt.settings, rt.redis
    async with redis.pipeline(transaction=False) as reads:
        reads.time()
        reads.xrevrange(feed_key(s, user_id), count=1)
        reads.xrevrange(access_key(s, user_id), count=1)
        (seconds, micros), newest_feed, newest_access = await reads.execute()
    now_ms = int(seconds) * 1000 + int(micros) // 1000
    members_of = await member_projects(rt, user_id)
    newest = Position(feed=_newest(newest_feed), access=_newest(newest_access), base_ms=now_ms)
    if last_event_id is None:
        return LiveView(rt, user_id, newest, members_of)
    resumed = Position.parse(last_event_id, now_ms)
    if resumed is None:
        view = LiveView(rt, user_id, newest, members_of)
        view.opening = [Item(REFETCH, "{}", None)]
        return view
    position = resumed
    opening = [
        Item(REVOKED, Revoked(project_id=p).model_dump_json(), None)
        for p in position.projects
        if p not in members_of
    ]
    if await _missed_too_much(rt, position, members_of, now_ms):
        opening.append(Item(REFETCH, "{}", None))
        position = Position(feed=position.feed, access=_newest(newest_access), base_ms=now_ms)
    view = LiveView(rt, user_id, position, members_of)
    view.opening = opening
    return view


async def member_projects(
    rt: Runtime, user_id: uuid.UUID, only: uuid.UUID | None = None
) -> set[uuid.UUID]:
    """The projects the person is a member of now (or whether of `only`)."""
    # Imported here: a stream function loads SQLAlchemy only when a stream opens.
    from sqlalchemy import select

    from functions.core.database import reading
    from functions.core.tables import project_members

    query = select(project_members.c.project_id).where(project_members.c.user_id == user_id)
    if only is not None:
        query = query.where(project_members.c.project_id == only)
    async with reading(rt.engine) as conn:
        return set((await conn.scalars(query)).all())


async def _missed_too_much(
    rt: Runtime, position: Position, members_of: set[uuid.UUID], now_ms: int
) -> bool:
    """Whether changes the stream missed are gone: it was away longer than they are kept, or
    a project's stream has dropped entries after its position."""
    s = rt.settings
    if now_ms - position.base_ms > s.team_changes_ttl_hours * 3_600_000:
        return True
    projects = sorted(members_of)
    async with rt.redis.pipeline(transaction=False) as reads:
        for project_id in projects:
            reads.xlen(project_key(s, project_id))
            reads.xrange(project_key(s, project_id), count=1)
        answers = await reads.execute()
    for project_id, length, oldest in zip(projects, answers[::2], answers[1::2], strict=True):
        kept = stream_entries(oldest)
        after = stream_id(position.projects.get(project_id, position.base))
        if length >= s.team_changes_kept and kept and stream_id(kept[0][0]) > after:
            return True
    return False


def _newest(reply: object) -> str:
    entries = stream_entries(reply)
    return entries[0][0] if entries else "0-0"
