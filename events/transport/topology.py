"""The RabbitMQ topology TaskFlow declares, and the awaitable pika connection it is declared on.

One durable topic exchange takes every event (routing key = event type). Each subscriber
target has its own durable quorum queue bound to the types it takes, so each sees every event
once whatever the others do; a rejected or over-delivered message goes to that target's dead
queue through the `taskflow.dead` exchange. Everything is declared explicitly (RabbitMQ 3.10
applies no default delivery limit), and declaring again with the same settings changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import pika
from pika.adapters.asyncio_connection import AsyncioConnection
from pika.exceptions import ChannelClosedByBroker

from events.types import EXCHANGE
from functions.core.settings import Settings
from functions.routes import subscriptions as route_subscriptions

DEAD_EXCHANGE: Final = "taskflow.dead"
QUEUE_PREFIX: Final = "taskflow."
DEAD_SUFFIX: Final = ".dead"
# RabbitMQ's answer when a declaration differs from what the broker already has.
PRECONDITION_FAILED: Final = 406
# Long enough for a loaded broker, short enough that an outage is noticed and backed off.
RPC_TIMEOUT_SECONDS: Final = 15.0


class BrokerUnavailable(ConnectionError):
    """RabbitMQ cannot be reached, or it closed the connection or channel: try again later."""


class TopologyMismatch(RuntimeError):
    """A queue exists with other arguments (e.g. another delivery limit): it is not changed
    in place; delete it (its messages with it) or keep the old settings."""


@dataclass(frozen=True)
class SubscriberQueue:
    """One subscriber target's queue and dead queue."""

    target: str
    types: tuple[str, ...]
    delivery_limit: int

    @property
    def name(self) -> str:
        return f"{QUEUE_PREFIX}{self.target}"

    @property
    def dead_name(self) -> str:
        return f"{self.name}{DEAD_SUFFIX}"

    @property
    def arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": DEAD_EXCHANGE,
            "x-dead-letter-routing-key": self.target,
            # At-least-once dead-lettering: a message leaves only once the dead queue has it;
            # RabbitMQ requires reject-publish overflow for it (drop-head would lose messages).
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }


@dataclass(frozen=True)
class Topology:
    queues: tuple[SubscriberQueue, ...]

    def queue(self, target: str) -> SubscriberQueue:
        for queue in self.queues:
            if queue.target == target:
                return queue
        raise KeyError(f"no subscriber queue for {target!r}")


def topology_for(
    delivery_limit: int, subscriptions: Mapping[str, tuple[str, ...]] | None = None
) -> Topology:
    """The topology for these subscriptions (by default the route table's event targets)."""
    if subscriptions is None:
        subscriptions = route_subscriptions()
    return Topology(
        tuple(
            SubscriberQueue(target, tuple(types), delivery_limit)
            for target, types in sorted(subscriptions.items())
        )
    )


@dataclass(frozen=True)
class AmqpLiveness:
    """How a connection to RabbitMQ notices that the broker is gone or blocking it.

    None of these is pika's default: without heartbeats a broker gone silent (a partition, a
    half-open connection) is noticed only by the kernel, if ever; pika waits for a blocked
    connection forever.
    """

    heartbeat_seconds: int = 10
    connect_timeout_seconds: float = 3.0
    blocked_timeout_seconds: float = 300.0
    tcp_keepalive_seconds: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> AmqpLiveness:
        return cls(
            heartbeat_seconds=settings.amqp_heartbeat_seconds,
            connect_timeout_seconds=settings.connect_timeout_seconds,
            blocked_timeout_seconds=settings.amqp_blocked_timeout_seconds,
            tcp_keepalive_seconds=settings.tcp_keepalive_seconds,
        )

    def parameters(self, amqp_url: str) -> pika.URLParameters:
        parameters = pika.URLParameters(amqp_url)
        parameters.heartbeat = self.heartbeat_seconds
        parameters.blocked_connection_timeout = self.blocked_timeout_seconds
        parameters.socket_timeout = self.connect_timeout_seconds
        # The TCP connection and the AMQP handshake together.
        parameters.stack_timeout = 2 * self.connect_timeout_seconds
        keepalive = self.tcp_keepalive_seconds
        parameters.tcp_options = {
            "TCP_KEEPIDLE": keepalive,
            "TCP_KEEPINTVL": keepalive,
            "TCP_KEEPCNT": 3,
            "TCP_USER_TIMEOUT": 3 * keepalive * 1000,
        }
        return parameters


class AmqpChannel:
    """A pika channel whose requests are awaited; all of them fail if the channel closes."""

    def __init__(self, channel: Any) -> None:
        self.raw = channel
        self.closed: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()
        channel.add_on_close_callback(self._on_closed)

    def _on_closed(self, _channel: Any, reason: BaseException) -> None:
        if not self.closed.done():
            self.closed.set_result(reason)

    @property
    def is_open(self) -> bool:
        return bool(self.raw.is_open)

    async def call(self, method: Callable[..., object], *args: Any, **kwargs: Any) -> Any:
        """Call `method(*args, callback=..., **kwargs)` and wait for the broker's answer."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def callback(frame: Any) -> None:
            if not done.done():
                done.set_result(frame)

        method(*args, callback=callback, **kwargs)
        finished, _ = await asyncio.wait(
            (done, self.closed), timeout=RPC_TIMEOUT_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        if done in finished:
            return done.result()
        if self.closed in finished:
            reason = self.closed.result()
            if isinstance(reason, ChannelClosedByBroker) and reason.reply_code == (
                PRECONDITION_FAILED
            ):
                raise TopologyMismatch(str(reason))
            raise BrokerUnavailable(f"the channel closed: {reason}")
        raise BrokerUnavailable("RabbitMQ did not answer in time")


class AmqpConnection:
    """One asyncio pika connection; `closed` resolves when it goes, for whatever reason, and
    `blocked` says whether RabbitMQ is holding back what it publishes (a resource alarm)."""

    def __init__(
        self, raw: Any, closed: asyncio.Future[BaseException], liveness: AmqpLiveness
    ) -> None:
        self.raw = raw
        self.closed = closed
        self.liveness = liveness
        self.blocked = False
        raw.add_on_connection_blocked_callback(partial(self._on_blocked, True))
        raw.add_on_connection_unblocked_callback(partial(self._on_blocked, False))

    def _on_blocked(self, blocked: bool, _connection: Any, _frame: Any) -> None:
        self.blocked = blocked

    @classmethod
    async def open(cls, amqp_url: str, liveness: AmqpLiveness | None = None) -> AmqpConnection:
        liveness = liveness or AmqpLiveness()
        loop = asyncio.get_running_loop()
        opened: asyncio.Future[None] = loop.create_future()
        closed: asyncio.Future[BaseException] = loop.create_future()

        def on_open(_connection: Any) -> None:
            if not opened.done():
                opened.set_result(None)

        def on_open_error(_connection: Any, error: BaseException) -> None:
            if not opened.done():
                opened.set_exception(BrokerUnavailable(f"cannot connect to RabbitMQ: {error!r}"))

        def on_close(_connection: Any, reason: BaseException) -> None:
            if not closed.done():
                closed.set_result(reason)
            on_open_error(_connection, reason)

        raw = AsyncioConnection(
            liveness.parameters(amqp_url),
            on_open_callback=on_open,
            on_open_error_callback=on_open_error,
            on_close_callback=on_close,
            custom_ioloop=loop,
        )
        try:
            async with asyncio.timeout(2 * liveness.connect_timeout_seconds + 1):
                await opened
        except TimeoutError:
            raw.close()
            raise BrokerUnavailable("RabbitMQ did not accept the connection in time") from None
        return cls(raw, closed, liveness)

    @property
    def is_open(self) -> bool:
        return bool(self.raw.is_open) and not self.closed.done()

    async def channel(self) -> AmqpChannel:
        opened: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.raw.channel(on_open_callback=opened.set_result)
        finished, _ = await asyncio.wait(
            (opened, self.closed), timeout=RPC_TIMEOUT_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        if opened not in finished:
            opened.cancel()
            raise BrokerUnavailable("could not open a channel")
        return AmqpChannel(opened.result())

    async def close(self) -> None:
        if self.raw.is_open:
            self.raw.close()
        if not self.raw.is_closed:
            # Closing is a handshake; give it a moment, then go on regardless (a broker gone
            # silent never answers it, and the heartbeat check ends that connection).
            await asyncio.wait((self.closed,), timeout=self.liveness.connect_timeout_seconds)


async def declare(channel: AmqpChannel, topology: Topology) -> None:
    """Declare the exchanges, every subscriber queue and dead queue, and their bindings."""
    raw = channel.raw
    await channel.call(raw.exchange_declare, EXCHANGE, "topic", durable=True)
    await channel.call(raw.exchange_declare, DEAD_EXCHANGE, "direct", durable=True)
    for queue in topology.queues:
        dead_arguments = {"x-queue-type": "quorum"}
        await channel.call(
            raw.queue_declare, queue.dead_name, durable=True, arguments=dead_arguments
        )
        await channel.call(raw.queue_bind, queue.dead_name, DEAD_EXCHANGE, routing_key=queue.target)
        await channel.call(raw.queue_declare, queue.name, durable=True, arguments=queue.arguments)
        for event_type in queue.types:
            await channel.call(raw.queue_bind, queue.name, EXCHANGE, routing_key=event_type)


async def declare_topology(
    amqp_url: str, topology: Topology, liveness: AmqpLiveness | None = None
) -> None:
    """Connect, declare `topology`, disconnect (what `taskflow relay`/`dispatch` do first)."""
    connection = await AmqpConnection.open(amqp_url, liveness)
    try:
        await declare(await connection.channel(), topology)
    finally:
        await connection.close()
