"""The dispatcher (`taskflow dispatch`): the local stand-in for Knative Triggers.

It consumes each subscriber's queue with manual acks and POSTs every event to that
subscriber as a binary-mode CloudEvent. 2xx: ack. A dead-letter verdict: reject without
requeue, and the queue's dead-letter exchange moves it to the dead queue. A retry: wait the
backoff, then reject with requeue, so the quorum queue counts the delivery; at the delivery
limit the event is dead-lettered. Each message is handled in its own task, so an event
waiting for its retry holds one prefetch slot and never the events behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import suppress
from functools import partial
from typing import Any, Final

import httpx
from pika.exceptions import AMQPError

from events.codec import InvalidEvent, from_amqp
from events.transport.delivery import Verdict, backoff_seconds, decide, post_event, until_available
from events.transport.topology import (
    AmqpChannel,
    AmqpConnection,
    AmqpLiveness,
    BrokerUnavailable,
    SubscriberQueue,
    Topology,
    declare,
    topology_for,
)
from events.types import TRACEPARENT
from functions.core.observability import continue_trace, current_trace
from functions.core.settings import Settings
from functions.routes import routes_for

log = logging.getLogger("taskflow.dispatch")

DELIVERY_COUNT_HEADER: Final = "x-delivery-count"


def service_name(target: str) -> str:
    """A target's service name, as compose and Knative name it (dashes, not underscores)."""
    return target.replace("_", "-")


def subscriber_urls(
    settings: Settings, targets: list[str], overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Where each target is POSTed: the override if given (a full URL), else the service URL
    from `function_url_template` followed by the target's path in the route table (a
    function answers at its own path in every mode)."""
    unknown = sorted(set(overrides or {}) - set(targets))
    if unknown:
        raise ValueError(f"no subscriber named {', '.join(unknown)}; subscribers: {targets}")
    urls: dict[str, str] = {}
    for target in targets:
        if overrides and target in overrides:
            urls[target] = overrides[target]
            continue
        routes = routes_for(target)
        if not routes:
            raise ValueError(f"no route for {target!r}: give its URL explicitly")
        base = settings.function_url_template.format(service=service_name(target))
        urls[target] = base.rstrip("/") + routes[0].path
    return urls


def delivery_number(headers: Mapping[str, Any] | None) -> int:
    """Which delivery this is (1 = first): quorum queues count returns in x-delivery-count."""
    count = (headers or {}).get(DELIVERY_COUNT_HEADER, 0)
    return int(count) + 1


class Dispatcher:
    """Consumes every subscriber queue of `topology`; `run()` until `stop()`."""

    def __init__(
        self,
        settings: Settings,
        amqp_url: str,
        *,
        urls: Mapping[str, str] | None = None,
        topology: Topology | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = settings
        self._url = amqp_url
        self._topology = topology or topology_for(settings.delivery_limit)
        targets = [q.target for q in self._topology.queues]
        self.urls = subscriber_urls(settings, targets, urls)
        self._client = client or httpx.AsyncClient()
        self._owns_client = client is None
        self._stopping = asyncio.Event()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._waiting_to_retry: set[asyncio.Task[None]] = set()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Consume until `stop()`; reconnect with backoff whenever RabbitMQ goes away."""
        try:
            while not self._stopping.is_set():
                try:
                    async for attempt in until_available(
                        self._settings, self._stopping, (BrokerUnavailable,), log, "consume"
                    ):
                        with attempt:
                            connection, channel = await self._connect()
                except BrokerUnavailable:
                    return  # stopping
                try:
                    await self._consume(connection, channel)
                finally:
                    await connection.close()
        finally:
            if self._owns_client:
                await self._client.aclose()

    async def _connect(self) -> tuple[AmqpConnection, AmqpChannel]:
        connection = await AmqpConnection.open(
            self._url, AmqpLiveness.from_settings(self._settings)
        )
        try:
            channel = await connection.channel()
            await declare(channel, self._topology)
            prefetch = self._settings.dispatch_prefetch
            await channel.call(channel.raw.basic_qos, prefetch_count=prefetch)
        except BaseException:
            await connection.close()
            raise
        return connection, channel

    async def _consume(self, connection: AmqpConnection, channel: AmqpChannel) -> None:
        """Consume every queue until the connection goes or `stop()` (then let deliveries in
        flight finish)."""
        consumers = [
            channel.raw.basic_consume(
                queue.name, partial(self._on_message, channel, queue), auto_ack=False
            )
            for queue in self._topology.queues
        ]
        log.info("dispatching", extra={"fields": {"subscribers": self.urls}})
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait(
                (stopping, connection.closed, channel.closed), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()
        if self._stopping.is_set():
            await self._finish(channel, consumers)
        else:
            log.warning("lost the connection to RabbitMQ; reconnecting")

    async def _finish(self, channel: AmqpChannel, consumers: list[str]) -> None:
        """Take no more messages and let POSTs in flight end; what waits for its retry goes
        back to the queue when the connection closes."""
        for tag in consumers:
            with suppress(AMQPError):
                channel.raw.basic_cancel(tag)
        for task in self._waiting_to_retry:
            task.cancel()
        if self._deliveries:
            await asyncio.wait(
                self._deliveries, timeout=self._settings.dispatch_timeout_seconds + 1
            )
        for task in self._deliveries:
            task.cancel()

    def _on_message(
        self,
        channel: AmqpChannel,
        queue: SubscriberQueue,
        _raw: Any,
        method: Any,
        properties: Any,
        body: bytes,
    ) -> None:
        task = asyncio.create_task(
            self._deliver_safely(channel, queue, method.delivery_tag, properties, body)
        )
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver_safely(
        self, channel: AmqpChannel, queue: SubscriberQueue, tag: int, properties: Any, body: bytes
    ) -> None:
        try:
            await self._deliver(channel, queue, tag, properties, body)
        except Exception:
            # A bug of ours must not strand the message unacked (holding a prefetch slot):
            # requeue it, and the delivery limit ends a failure that repeats.
            log.exception("delivering failed", extra={"fields": {"subscriber": queue.target}})
            _settle(channel, tag, ack=False, requeue=True)

    async def _deliver(
        self, channel: AmqpChannel, queue: SubscriberQueue, tag: int, properties: Any, body: bytes
    ) -> None:
        s = self._settings
        try:
            event = from_amqp(properties.headers, body, properties.content_type)
        except InvalidEvent as exc:
            log.warning(
                "dead-lettering a message that is not a CloudEvent",
                extra={"fields": {"subscriber": queue.target, "error": str(exc)}},
            )
            _settle(channel, tag, requeue=False, ack=False)
            return
        delivery = delivery_number(properties.headers)
        trace = current_trace.set(continue_trace(event.get(TRACEPARENT)))
        try:
            attempt = await post_event(
                self._client, self.urls[queue.target], event, seconds=s.dispatch_timeout_seconds
            )
            verdict = decide(attempt.verdict, delivery, s.delivery_limit)
            fields = {
                "subscriber": queue.target,
                "event_id": event["id"],
                "event_type": event["type"],
                "delivery": delivery,
                "status": attempt.status,
                "detail": attempt.detail,
                "verdict": verdict.value,
            }
            if verdict is Verdict.ACK:
                log.info("event delivered", extra={"fields": fields})
                _settle(channel, tag, ack=True)
            elif verdict is Verdict.DEAD_LETTER:
                log.warning("event dead-lettered", extra={"fields": fields})
                _settle(channel, tag, ack=False, requeue=False)
            else:
                delay = backoff_seconds(
                    delivery, s.retry_backoff_seconds, s.retry_backoff_max_seconds
                )
                log.info(
                    "event will be retried",
                    extra={"fields": {**fields, "retry_in_seconds": round(delay, 3)}},
                )
                await self._wait_to_retry(delay)
                _settle(channel, tag, ack=False, requeue=True)
        finally:
            current_trace.reset(trace)

    async def _wait_to_retry(self, delay: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._waiting_to_retry.add(task)
        try:
            await asyncio.sleep(delay)
        finally:
            self._waiting_to_retry.discard(task)


def _settle(channel: AmqpChannel, tag: int, *, ack: bool, requeue: bool = False) -> None:
    """Ack or reject; a channel that closed meanwhile has given the message back already."""
    if not channel.is_open:
        return
    with suppress(AMQPError):
        if ack:
            channel.raw.basic_ack(tag)
        else:
            channel.raw.basic_reject(tag, requeue=requeue)
