"""The outbox relay: publishes the events services wrote in their transactions.

A batch of unpublished rows is claimed (`FOR UPDATE SKIP LOCKED`, so relays running side by
side never take the same row), published, and marked published only for the messages the
broker confirmed, all in the claiming transaction. A returned (unroutable) or nacked message
stays unpublished with one more attempt counted and is tried again at the next sweep. While
the broker is down nothing is marked: the relay backs off and tries again.

It wakes on PostgreSQL's NOTIFY (sent at commit by `functions.core.outbox.record`), or in the
embedded mode on the local commit hook, and sweeps every `relay_sweep_seconds` regardless.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from itertools import takewhile
from typing import Any, Final, Protocol

import pika
import psycopg
from cloudevents.http import CloudEvent
from pika.exceptions import AMQPError
from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.codec import to_amqp
from events.transport.delivery import until_available
from events.transport.topology import (
    AmqpChannel,
    AmqpConnection,
    AmqpLiveness,
    BrokerUnavailable,
    Topology,
    declare,
)
from events.types import EXCHANGE, OUTBOX_CHANNEL, TRACEPARENT
from functions.core.clock import utcnow
from functions.core.database import libpq_options
from functions.core.observability import continue_trace, current_trace
from functions.core.outbox import from_row, wake_on_local_commit
from functions.core.settings import Settings
from functions.core.tables import outbox

log = logging.getLogger("taskflow.relay")

# A broker that has not confirmed a batch by then is treated as gone (the batch is retried).
CONFIRM_TIMEOUT_SECONDS: Final = 30.0
# What "cannot be reached" looks like from here: the broker, or the database under us
# (TimeoutError: PostgreSQL did not answer a statement in time).
UNAVAILABLE: Final = (
    BrokerUnavailable,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    TimeoutError,
)


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    # Routed nowhere (mandatory): no queue takes this type yet.
    RETURNED = "returned"
    # The broker refused it (e.g. a full queue with reject-publish overflow).
    NACKED = "nacked"


class Publisher(Protocol):
    """Where the relay sends events: RabbitMQ, or the embedded mode's in-process broker."""

    async def publish(self, events: Sequence[CloudEvent]) -> Sequence[Outcome]:
        """Each event's outcome, in order, once the broker has taken responsibility for it
        (or refused it); raises BrokerUnavailable if it cannot say."""
        ...

    async def close(self) -> None: ...


@dataclass
class _Unconfirmed:
    confirmed: asyncio.Future[Outcome]
    message_id: str


class AmqpPublisher:
    """Publishes to the `taskflow.events` exchange with `mandatory` and publisher confirms.

    Every message of a batch is sent before any confirm is awaited, and the broker confirms
    them together (`multiple`), so a batch costs one round trip, not one per message.
    """

    def __init__(
        self,
        amqp_url: str,
        topology: Topology | None = None,
        liveness: AmqpLiveness | None = None,
    ) -> None:
        self._url = amqp_url
        self._topology = topology
        self._liveness = liveness
        self._connection: AmqpConnection | None = None
        self._channel: AmqpChannel | None = None
        self._next_tag = 0
        self._unconfirmed: dict[int, _Unconfirmed] = {}
        self._returned: set[str] = set()

    async def publish(self, events: Sequence[CloudEvent]) -> list[Outcome]:
        channel = await self._ready_channel()
        loop = asyncio.get_running_loop()
        waiting: list[asyncio.Future[Outcome]] = []
        for event in events:
            message = to_amqp(event)
            properties = pika.BasicProperties(
                content_type=message.content_type,
                message_id=message.message_id,
                headers=message.headers,
                delivery_mode=pika.DeliveryMode.Persistent,
            )
            self._next_tag += 1
            unconfirmed = _Unconfirmed(loop.create_future(), message.message_id)
            self._unconfirmed[self._next_tag] = unconfirmed
            waiting.append(unconfirmed.confirmed)
            try:
                channel.raw.basic_publish(
                    EXCHANGE, event["type"], message.body, properties, mandatory=True
                )
            except AMQPError as exc:
                self._lose(BrokerUnavailable(f"publishing failed: {exc!r}"))
                break
        return await self._confirmations(waiting)

    async def _confirmations(self, waiting: list[asyncio.Future[Outcome]]) -> list[Outcome]:
        _, late = await asyncio.wait(waiting, timeout=CONFIRM_TIMEOUT_SECONDS)
        while late and self._connection is not None and self._connection.blocked:
            # A resource alarm: RabbitMQ holds the batch until it clears. Publishing it again
            # on another connection would only be blocked too (and publish it twice after).
            log.warning("RabbitMQ is blocking publishers (a resource alarm); waiting")
            _, late = await asyncio.wait(late, timeout=CONFIRM_TIMEOUT_SECONDS)
        if late:
            self._lose(BrokerUnavailable("RabbitMQ did not confirm the batch in time"))
        failed = [f.exception() for f in waiting if f.exception() is not None]
        if failed:
            raise BrokerUnavailable(str(failed[0])) from failed[0]
        return [f.result() for f in waiting]

    async def _ready_channel(self) -> AmqpChannel:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        await self.close()
        connection = await AmqpConnection.open(self._url, self._liveness)
        try:
            channel = await connection.channel()
            if self._topology is not None:
                # Declared on every (re)connect: a broker that lost its definitions gets them back.
                await declare(channel, self._topology)
            channel.raw.add_on_return_callback(self._on_return)
            await channel.call(channel.raw.confirm_delivery, self._on_confirm)
        except BaseException:
            await connection.close()
            raise
        connection.closed.add_done_callback(partial(self._on_closed, connection))
        channel.closed.add_done_callback(partial(self._on_closed, connection))
        self._connection, self._channel, self._next_tag = connection, channel, 0
        return channel

    def _on_return(self, _channel: Any, _method: Any, properties: Any, _body: bytes) -> None:
        # RabbitMQ sends basic.return before the basic.ack of the same message.
        self._returned.add(properties.message_id)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        if method.multiple:  # every tag up to this one; tags are kept in ascending order
            tags = list(takewhile(lambda tag: tag <= method.delivery_tag, self._unconfirmed))
        else:
            tags = [method.delivery_tag]
        for tag in tags:
            unconfirmed = self._unconfirmed.pop(tag, None)
            if unconfirmed is None or unconfirmed.confirmed.done():
                continue
            returned = unconfirmed.message_id in self._returned
            self._returned.discard(unconfirmed.message_id)
            if not acked:
                outcome = Outcome.NACKED
            else:
                outcome = Outcome.RETURNED if returned else Outcome.CONFIRMED
            unconfirmed.confirmed.set_result(outcome)

    def _on_closed(self, connection: AmqpConnection, closed: asyncio.Future[BaseException]) -> None:
        if connection is self._connection:  # not an older connection finishing its close
            self._lose(BrokerUnavailable(f"RabbitMQ closed the channel: {closed.result()!r}"))

    def _lose(self, error: BrokerUnavailable) -> None:
        """Fail every message still awaiting its confirm, and forget the channel."""
        for unconfirmed in self._unconfirmed.values():
            if not unconfirmed.confirmed.done():
                unconfirmed.confirmed.set_exception(error)
        self._unconfirmed.clear()
        self._returned.clear()
        self._channel = None

    async def close(self) -> None:
        self._lose(BrokerUnavailable("the publisher was closed"))
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


@dataclass(frozen=True)
class _Batch:
    claimed: int
    last_id: int
    published: int


class OutboxRelay:
    """Moves outbox rows to a Publisher; `run()` until `stop()`."""

    def __init__(self, engine: AsyncEngine, publisher: Publisher, settings: Settings) -> None:
        self._engine = engine
        self._publisher = publisher
        self._settings = settings
        self._woken = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Publish soon (safe from any thread: commit hooks may run off the event loop)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._woken.set)

    def stop(self) -> None:
        self._stopping.set()
        self._woken.set()

    async def publish_pending(self, *, fresh_only: bool = False) -> int:
        """Publish every unpublished row (only those never tried, if `fresh_only`), batch by
        batch in id order; return how many were confirmed. Each row is visited once a call,
        so rows that keep failing cannot hold the relay in a loop."""
        published, after = 0, 0
        while True:
            batch = await self._publish_batch(after, fresh_only)
            published += batch.published
            if batch.claimed < self._settings.relay_batch_size:
                return published
            after = batch.last_id

    async def _publish_batch(self, after: int, fresh_only: bool) -> _Batch:
        claim = (
            select(outbox)
            .where(outbox.c.published_at.is_(None), outbox.c.id > after)
            .order_by(outbox.c.id)
            .limit(self._settings.relay_batch_size)
            # Ignored by SQLite, where one embedded relay runs alone.
            .with_for_update(skip_locked=True)
        )
        if fresh_only:
            claim = claim.where(outbox.c.attempts == 0)
        # PostgreSQL's part has a deadline (a connection gone silent would otherwise hold the
        # relay for good); the wait for the broker's confirms has its own.
        async with asyncio.timeout_at(self._statement_deadline()) as deadline:
            async with self._engine.begin() as conn:
                rows = (await conn.execute(claim)).mappings().all()
                if not rows:
                    return _Batch(0, after, 0)
                events = [from_row(dict(row)) for row in rows]
                deadline.reschedule(None)
                try:
                    outcomes = await self._publisher.publish(events)
                finally:  # the rollback after a failed publish is a database step too
                    deadline.reschedule(self._statement_deadline())
                await self._mark(conn, rows, outcomes)
        # Logged once committed: a line says the event is out and recorded as such.
        for event, outcome in zip(events, outcomes, strict=True):
            _log_outcome(event, outcome)
        published = sum(outcome is Outcome.CONFIRMED for outcome in outcomes)
        return _Batch(len(rows), int(rows[-1]["id"]), published)

    def _statement_deadline(self) -> float | None:
        """When the database steps of a batch must be done by: the statement timeout, with
        room to connect; none if statements have no timeout."""
        s = self._settings
        if not s.database_statement_timeout_seconds:
            return None
        loop = asyncio.get_running_loop()
        return loop.time() + s.database_statement_timeout_seconds + s.connect_timeout_seconds

    async def _mark(
        self, conn: AsyncConnection, rows: Sequence[Any], outcomes: Sequence[Outcome]
    ) -> None:
        confirmed = [r["id"] for r, o in zip(rows, outcomes, strict=True) if o is Outcome.CONFIRMED]
        refused = [
            r["id"] for r, o in zip(rows, outcomes, strict=True) if o is not Outcome.CONFIRMED
        ]
        attempted = {"attempts": outbox.c.attempts + 1}
        if confirmed:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(confirmed))
                .values(published_at=utcnow(), **attempted)
            )
        if refused:
            await conn.execute(update(outbox).where(outbox.c.id.in_(refused)).values(**attempted))

    async def run(self) -> None:
        """Publish at start, on every wake-up and every sweep, until `stop()`."""
        self._loop = loop = asyncio.get_running_loop()
        sweep_every = self._settings.relay_sweep_seconds
        async with self._wakeups():
            last_sweep = -sweep_every
            while not self._stopping.is_set():
                # A sweep (every row, retries included) is due by the clock, not by an idle
                # moment: under a steady stream of wake-ups it would otherwise never come.
                sweep = loop.time() - last_sweep >= sweep_every
                if sweep:
                    last_sweep = loop.time()
                await self._publish_until_done(fresh_only=not sweep)
                await self._sleep_until_woken(last_sweep + sweep_every - loop.time())
        await self._publisher.close()

    async def _publish_until_done(self, fresh_only: bool) -> None:
        retrying = until_available(
            self._settings, self._stopping, UNAVAILABLE, log, "publish the outbox"
        )
        with suppress(*UNAVAILABLE):  # raised only once stopping: the rows wait for next time
            async for attempt in retrying:
                with attempt:
                    await self.publish_pending(fresh_only=fresh_only)

    async def _sleep_until_woken(self, seconds: float) -> None:
        with suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds)):
                await self._woken.wait()
        self._woken.clear()

    @asynccontextmanager
    async def _wakeups(self) -> AsyncIterator[None]:
        if self._engine.dialect.name != "postgresql":
            undo = wake_on_local_commit(self.wake)
            try:
                yield
            finally:
                undo()
            return
        listener = asyncio.create_task(self._listen(), name="taskflow-outbox-listener")
        try:
            yield
        finally:
            listener.cancel()
            with suppress(asyncio.CancelledError):
                await listener

    async def _listen(self) -> None:
        """LISTEN on the outbox channel; after a lost connection, listen again and look for
        what came in meanwhile (NOTIFYs sent while nobody listened are gone)."""
        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        options = libpq_options(self._settings)
        lost = (psycopg.Error, OSError, TimeoutError)
        while not self._stopping.is_set():
            try:
                async for attempt in until_available(
                    self._settings, self._stopping, lost, log, "listen for outbox notifications"
                ):
                    with attempt:
                        conn = await psycopg.AsyncConnection.connect(
                            url, autocommit=True, **options
                        )
            except lost:
                return  # stopping
            try:
                async with conn:
                    await conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
                    self._woken.set()
                    while not self._stopping.is_set():
                        async for _ in conn.notifies(timeout=self._settings.relay_sweep_seconds):
                            self._woken.set()
                        # Silence may be a connection gone dead: ask something of the server.
                        async with asyncio.timeout(self._settings.connect_timeout_seconds):
                            await conn.execute("SELECT 1")
            except lost as exc:
                log.warning("lost the outbox listener", extra={"fields": {"error": str(exc)}})


def _log_outcome(event: CloudEvent, outcome: Outcome) -> None:
    token = current_trace.set(continue_trace(event.get(TRACEPARENT)))
    try:
        fields = {"event_id": event["id"], "event_type": event["type"], "outcome": outcome.value}
        if outcome is Outcome.CONFIRMED:
            log.info("event published", extra={"fields": fields})
        else:
            log.warning("event not accepted; it stays in the outbox", extra={"fields": fields})
    finally:
        current_trace.reset(token)
