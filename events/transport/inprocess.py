"""The embedded mode's broker (`taskflow dev`): events go from the relay to the subscribed
functions inside one process, with the same delivery rules as the dispatcher.

The broker is a Publisher: it confirms an event once it has queued it for every subscriber,
and returns it (unroutable) if nobody takes its type. Each subscriber function is called
through ASGI at its path, as the dispatcher would POST it; retries wait their backoff off the
queue, and dead letters are kept in memory and logged. Queued events live in memory; on stop,
the ones not yet delivered to every subscriber go back to the outbox as unpublished, so the
next start delivers them (subscribers deduplicate what some of them had already taken).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import httpx
from cloudevents.http import CloudEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events.transport.delivery import Attempt, Verdict, backoff_seconds, decide, post_event
from events.transport.relay import OutboxRelay, Outcome
from events.types import TRACEPARENT
from functions.core.observability import continue_trace, current_trace
from functions.core.outbox import unpublish
from functions.core.settings import Settings
from functions.routes import load_target, routes_for, subscriptions

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from functions.core.runtime import Runtime

log = logging.getLogger("taskflow.inprocess")

Endpoint = Callable[[Request], Awaitable[Response]]
# Any host will do: ASGITransport hands the request to the app without a network.
_BASE_URL: Final = "http://taskflow.internal"


@dataclass(frozen=True)
class Subscriber:
    target: str
    path: str
    types: tuple[str, ...]
    endpoint: Endpoint


@dataclass(frozen=True)
class DeadLetter:
    target: str
    event: CloudEvent
    delivery: int
    attempt: Attempt


@dataclass
class _Delivery:
    event: CloudEvent
    number: int = 1


@dataclass
class _Mailbox:
    subscriber: Subscriber
    client: httpx.AsyncClient
    queue: asyncio.Queue[_Delivery] = field(default_factory=asyncio.Queue)


def subscribers_from_routes(endpoints: Mapping[str, Endpoint] | None = None) -> list[Subscriber]:
    """Every event target of the route table with its function; with `endpoints`, only those
    targets, answered by the given endpoints (a test's recording subscriber)."""
    subscribers = []
    for target, types in subscriptions().items():
        if endpoints is not None and target not in endpoints:
            continue
        endpoint = endpoints[target] if endpoints is not None else load_target(target)
        subscribers.append(Subscriber(target, routes_for(target)[0].path, types, endpoint))
    return subscribers


class InProcessBroker:
    """A Publisher that delivers to subscriber functions in this process."""

    def __init__(self, settings: Settings, subscribers: Sequence[Subscriber]) -> None:
        self._settings = settings
        self._mailboxes = [_Mailbox(s, _client_for(s)) for s in subscribers]
        self._workers: list[asyncio.Task[None]] = []
        self._retries: set[asyncio.TimerHandle] = set()
        # Each event's deliveries not yet settled (acked or dead-lettered), by event id.
        self._unsettled: Counter[str] = Counter()
        self.dead_letters: list[DeadLetter] = []

    def start(self) -> None:
        # As many deliveries at once per subscriber as the dispatcher's prefetch allows.
        self._workers = [
            asyncio.create_task(self._work(mailbox), name=f"deliver-{mailbox.subscriber.target}")
            for mailbox in self._mailboxes
            for _ in range(self._settings.dispatch_prefetch)
        ]

    async def publish(self, events: Sequence[CloudEvent]) -> list[Outcome]:
        outcomes = []
        for event in events:
            taken = [m for m in self._mailboxes if event["type"] in m.subscriber.types]
            for mailbox in taken:
                mailbox.queue.put_nowait(_Delivery(event))
                self._unsettled[event["id"]] += 1
            outcomes.append(Outcome.CONFIRMED if taken else Outcome.RETURNED)
        return outcomes

    async def close(self) -> None:
        """Nothing to release per publish; `stop()` ends the deliveries."""

    async def stop(self) -> list[str]:
        """End the deliveries; return the ids of the events some subscriber has not settled."""
        for handle in self._retries:
            handle.cancel()
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with suppress(asyncio.CancelledError):
                await worker
        for mailbox in self._mailboxes:
            await mailbox.client.aclose()
        return sorted(event_id for event_id, left in self._unsettled.items() if left > 0)

    def _settle(self, event: CloudEvent) -> None:
        self._unsettled[event["id"]] -= 1
        if self._unsettled[event["id"]] <= 0:
            del self._unsettled[event["id"]]

    async def _work(self, mailbox: _Mailbox) -> None:
        while True:
            delivery = await mailbox.queue.get()
            try:
                await self._deliver(mailbox, delivery)
            except Exception as exc:
                # A bug of ours must not stop this worker: the event becomes a dead letter.
                log.exception("delivery failed", extra={"fields": {"event": delivery.event["id"]}})
                failed = Attempt(Verdict.DEAD_LETTER, None, repr(exc))
                target = mailbox.subscriber.target
                self.dead_letters.append(
                    DeadLetter(target, delivery.event, delivery.number, failed)
                )
                self._settle(delivery.event)

    async def _deliver(self, mailbox: _Mailbox, delivery: _Delivery) -> None:
        s = self._settings
        subscriber, event = mailbox.subscriber, delivery.event
        trace = current_trace.set(continue_trace(event.get(TRACEPARENT)))
        try:
            attempt = await post_event(
                mailbox.client, subscriber.path, event, seconds=s.dispatch_timeout_seconds
            )
            verdict = decide(attempt.verdict, delivery.number, s.delivery_limit)
            fields = {
                "subscriber": subscriber.target,
                "event_id": event["id"],
                "event_type": event["type"],
                "delivery": delivery.number,
                "status": attempt.status,
                "verdict": verdict.value,
            }
            if verdict is Verdict.ACK:
                log.info("event delivered", extra={"fields": fields})
                self._settle(event)
            elif verdict is Verdict.DEAD_LETTER:
                log.warning("event dead-lettered", extra={"fields": fields})
                self.dead_letters.append(
                    DeadLetter(subscriber.target, event, delivery.number, attempt)
                )
                self._settle(event)
            else:
                delay = backoff_seconds(
                    delivery.number, s.retry_backoff_seconds, s.retry_backoff_max_seconds
                )
                log.info("event will be retried", extra={"fields": fields})
                self._retry_later(mailbox, _Delivery(event, delivery.number + 1), delay)
        finally:
            current_trace.reset(trace)

    def _retry_later(self, mailbox: _Mailbox, delivery: _Delivery, delay: float) -> None:
        """Requeue after `delay` without holding a worker: the events behind it go on."""

        def requeue() -> None:
            self._retries.discard(handle)
            mailbox.queue.put_nowait(delivery)

        handle = asyncio.get_running_loop().call_later(delay, requeue)
        self._retries.add(handle)


def _client_for(subscriber: Subscriber) -> httpx.AsyncClient:
    app = Starlette(routes=[Route(subscriber.path, subscriber.endpoint, methods=["POST"])])
    # A function that raises answers 500, as its own process would: retried, not lost.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=_BASE_URL)


@dataclass
class EmbeddedPipeline:
    """The relay and the in-process broker, running; `await stop()` on shutdown."""

    engine: AsyncEngine
    relay: OutboxRelay
    broker: InProcessBroker
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.relay.stop()
        with suppress(asyncio.CancelledError):
            await self.task
        unsettled = await self.broker.stop()
        if unsettled:
            await unpublish(self.engine, unsettled)
            log.info(
                "undelivered events returned to the outbox",
                extra={"fields": {"event_ids": unsettled}},
            )


async def start_embedded_pipeline(
    rt: Runtime, *, endpoints: Mapping[str, Endpoint] | None = None
) -> EmbeddedPipeline:
    """Start publishing `rt`'s outbox to the subscriber functions in this process.

    The functions reach their runtime through `functions.core.runtime.current()`, so `rt`
    should be the installed one (the gateway installs it). `endpoints` replaces the route
    table's subscribers (target -> endpoint) where a test records deliveries.
    """
    broker = InProcessBroker(rt.settings, subscribers_from_routes(endpoints))
    broker.start()
    relay = OutboxRelay(rt.engine, broker, rt.settings)
    task = asyncio.create_task(relay.run(), name="taskflow-relay")
    task.add_done_callback(_report_crash)
    return EmbeddedPipeline(rt.engine, relay, broker, task)


def _report_crash(task: asyncio.Task[None]) -> None:
    # The gateway goes on serving without its relay: say so loudly rather than silently.
    if not task.cancelled() and task.exception() is not None:
        log.error("the relay stopped; events stay in the outbox", exc_info=task.exception())
