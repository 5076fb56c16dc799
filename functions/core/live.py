"""Following Redis streams live, shared by every open stream of a process.

A process may hold thousands of open streams (Server-Sent Events connections), each following
one or more Redis stream keys. A blocking XREAD per connection would hold a Redis connection
each; instead the process keeps one `LiveStreams` hub:

- writers append entries and PUBLISH the changed keys on one channel, in the same MULTI
  (`announce`), so a change is announced exactly when it is visible;
- the hub listens on that channel with one connection and reads only the changed keys it
  follows, in batched non-blocking XREADs, so the cost of a change is the keys it touched,
  not the streams open;
- each follower gets entries through a bounded queue: one that falls more than its buffer
  behind is told so (`FellBehind`) and dropped, and never slows the others.

Pub/sub delivers at most once: whenever the hub (re)subscribes it reads every key it follows
from where it stands, so nothing announced while it was away is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline

log = logging.getLogger("taskflow.live")

# Keys one XREAD asks for at most: a burst of changes is read in a few round trips.
KEYS_PER_READ: Final = 500
# One wait for an announcement; well inside any client socket timeout.
LISTEN_WAIT_SECONDS: Final = 0.5
# Waits after Redis fails before the hub tries again, doubling up to the last.
RETRY_SECONDS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)

Entry = tuple[str, dict[str, str]]


def stream_id(entry_id: str) -> tuple[int, int]:
    """A stream entry id (`<ms>-<seq>`) as a pair that sorts as Redis sorts them."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def announce(pipe: Pipeline, channel: str, keys: Iterable[str]) -> None:
    """Queue, in the writer's MULTI, the announcement that `keys` have new entries."""
    changed = " ".join(keys)
    if changed:
        pipe.publish(channel, changed)


class FellBehind(Exception):
    """A follower's buffer overflowed: it must refetch rather than read on."""


class Closing(Exception):
    """The process is shutting down, or the follower's client went away."""


class Follower:
    """One open stream's interest in some keys, and the entries waiting for it.

    Lean on purpose: a process holds thousands. Its stream waits on one future at a time,
    which an entry, an idle timeout or `close` resolves; no task or queue of its own.
    """

    __slots__ = ("after", "buffer", "closed", "fell_behind", "pending", "waiter")

    def __init__(self, buffer: int) -> None:
        # Per key, the id of the last entry the stream has sent: nothing at or before it is
        # sent again.
        self.after: dict[str, tuple[int, int]] = {}
        self.buffer = buffer
        self.pending: list[tuple[str, Entry]] = []
        self.waiter: asyncio.Future[None] | None = None
        self.fell_behind = False
        self.closed = False

    @property
    def keys(self) -> list[str]:
        return list(self.after)

    def offer(self, key: str, entry: Entry) -> None:
        if self.fell_behind or self.closed:
            return
        if len(self.pending) >= self.buffer:
            # What it holds is of no use to a follower that must refetch: only the news stays.
            self.fell_behind = True
            self.pending.clear()
        else:
            self.pending.append((key, entry))
        self._wake()

    def close(self) -> None:
        """End the wait for good (shutdown, or the client left)."""
        self.closed = True
        self._wake()

    def sent(self, key: str, entry_id: str) -> None:
        if key in self.after:
            self.after[key] = max(self.after[key], stream_id(entry_id))

    def position(self, key: str) -> str:
        return "{}-{}".format(*self.after[key])

    async def next(self, idle_seconds: float | None = None) -> list[tuple[str, Entry]]:
        """The entries after the last one sent on each key, in arrival order, as soon as there
        are any; an empty list after `idle_seconds` without any. FellBehind once the buffer
        overflowed; Closing once closed."""
        while True:
            if self.closed:
                raise Closing(", ".join(self.after))
            if self.fell_behind:
                raise FellBehind(", ".join(self.after))
            fresh = []
            for key, entry in self.pending:
                after = self.after.get(key)
                if after is not None and stream_id(entry[0]) > after:
                    self.after[key] = stream_id(entry[0])
                    fresh.append((key, entry))
            self.pending.clear()
            if fresh:
                return fresh
            loop = asyncio.get_running_loop()
            self.waiter = loop.create_future()
            timer = loop.call_later(idle_seconds, self._wake) if idle_seconds else None
            try:
                await self.waiter
            finally:
                self.waiter = None
                if timer is not None:
                    timer.cancel()
            if not (self.pending or self.closed or self.fell_behind):
                return []  # idle

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


@dataclass(eq=False)
class LiveStreams:
    """The process's one reader of followed stream keys (see the module's docstring)."""

    redis: Redis
    channel: str
    buffer: int
    read_batch: int
    _followers: dict[str, set[Follower]] = field(default_factory=dict)
    _positions: dict[str, str] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=set)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    streams_open: int = 0

    @property
    def keys_followed(self) -> int:
        return len(self._followers)

    def admit(self, limit: int) -> Callable[[], None] | None:
        """Count one more open stream, unless `limit` are open; its release, to call once
        (more calls are harmless) when the stream ends."""
        if self.streams_open >= limit:
            return None
        self.streams_open += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.streams_open -= 1

        return release

    def follow(self, positions: dict[str, str]) -> Follower:
        """Follow what is stored in each key from now on; entries up to its position (an entry
        id, `0-0` for none) count as sent. Entries stored between a position and now may come
        too: a caller that replays them itself first marks them `sent`, then `caught_up`."""
        follower = Follower(self.buffer)
        for key, position in positions.items():
            self.add(follower, key, position)
        return follower

    def add(self, follower: Follower, key: str, position: str) -> None:
        """Follow one more key (see `follow`)."""
        self._start()
        follower.after[key] = stream_id(position)
        if key not in self._followers:
            self._followers[key] = set()
            self._positions[key] = position
        self._followers[key].add(follower)

    def caught_up(self, follower: Follower, key: str) -> None:
        """The follower has read `key` itself up to where it stands: the hub need not read
        that part again."""
        known = self._positions.get(key)
        after = follower.after.get(key)
        if known is not None and after is not None and stream_id(known) < after:
            self._positions[key] = "{}-{}".format(*after)

    def drop(self, follower: Follower, key: str) -> None:
        """Stop following `key` (the follower's other keys stay)."""
        follower.after.pop(key, None)
        followers = self._followers.get(key)
        if followers is None:
            return
        followers.discard(follower)
        if not followers:
            del self._followers[key]
            del self._positions[key]
            self._dirty.discard(key)

    def unfollow(self, follower: Follower) -> None:
        for key in follower.keys:
            self.drop(follower, key)

    def close_followers(self) -> None:
        """End every open stream's wait (the process is shutting down)."""
        for followers in self._followers.values():
            for follower in followers:
                follower.close()

    async def close(self) -> None:
        self.close_followers()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def _start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._listen(), name="live-listen"),
                asyncio.create_task(self._read(), name="live-read"),
            ]

    def _mark_dirty(self, keys: Iterable[str]) -> None:
        self._dirty.update(k for k in keys if k in self._followers)
        if self._dirty:
            self._wake.set()

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    failures = 0
                    self._mark_dirty(list(self._followers))  # whatever was missed meanwhile
                    while True:
                        # A bounded wait: redis-py's socket timeout would cut an unbounded one.
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=LISTEN_WAIT_SECONDS
                        )
                        if message is not None and message.get("type") == "message":
                            self._mark_dirty(str(message["data"]).split())
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("live streams lost their Redis subscription: %s", exc)
            await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
            failures += 1

    async def _read(self) -> None:
        failures = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._dirty:
                batch = [self._dirty.pop() for _ in range(min(KEYS_PER_READ, len(self._dirty)))]
                try:
                    found = await self.redis.xread(
                        {k: self._positions[k] for k in batch if k in self._positions},
                        count=self.read_batch,
                    )
                    failures = 0
                except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                    log.warning("live streams could not read Redis: %s", exc)
                    self._dirty.update(k for k in batch if k in self._followers)
                    await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
                    failures += 1
                    continue
                for key, entries in _by_key(found):
                    self._deliver(key, entries)

    def _deliver(self, key: str, entries: Sequence[Entry]) -> None:
        followers = self._followers.get(key)
        if followers is None or not entries:
            return
        self._positions[key] = entries[-1][0]
        if len(entries) >= self.read_batch:
            self._dirty.add(key)  # more may be waiting behind this batch
            self._wake.set()
        for follower in list(followers):
            for entry in entries:
                follower.offer(key, entry)


def _by_key(found: Any) -> list[tuple[str, list[Entry]]]:
    """XREAD's answer as (key, entries): RESP2 gives [[key, entries]], RESP3 {key: entries}."""
    if not found:
        return []
    pairs = found.items() if isinstance(found, dict) else found
    return [(key, [(entry_id, fields) for entry_id, fields in entries]) for key, entries in pairs]
