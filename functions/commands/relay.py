"""`taskflow relay`: publish the outbox to RabbitMQ until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from functions.commands.configuration import amqp_url, load_settings
from functions.commands.signals import stop_on_signals

if TYPE_CHECKING:
    from functions.core.settings import Settings


def run(args: argparse.Namespace) -> None:
    asyncio.run(relay(load_settings()))


async def relay(settings: Settings) -> None:
    """Publish the outbox until SIGINT/SIGTERM, declaring the topology first."""
    from events.transport.delivery import until_available
    from events.transport.relay import AmqpPublisher, OutboxRelay, log
    from events.transport.topology import (
        AmqpLiveness,
        BrokerUnavailable,
        TopologyMismatch,
        declare_topology,
        topology_for,
    )
    from functions.core.observability import configure_logging
    from functions.core.runtime import Runtime

    configure_logging(settings.log_level)
    url = amqp_url(settings)
    subscribers: dict[str, tuple[str, ...]] | None = (
        None if settings.declare_subscriber_queues else {}
    )
    topology = topology_for(settings.delivery_limit, subscribers)
    rt = Runtime(settings)
    liveness = AmqpLiveness.from_settings(settings)
    outbox_relay = OutboxRelay(rt.engine, AmqpPublisher(url, topology, liveness), settings)
    stopping = asyncio.Event()

    def stop() -> None:
        stopping.set()
        outbox_relay.stop()

    stop_on_signals(stop)
    try:
        async for attempt in until_available(
            settings, stopping, (BrokerUnavailable,), log, "declare the topology"
        ):
            with attempt:
                await declare_topology(url, topology, liveness)
        await outbox_relay.run()
    except BrokerUnavailable:
        pass  # stopped before RabbitMQ came back
    except TopologyMismatch as exc:
        sys.exit(f"taskflow: RabbitMQ has other queue settings: {exc}")
    finally:
        await rt.close()
