"""`taskflow dispatch`: deliver events from RabbitMQ to the subscriber functions over HTTP."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from functions.commands.configuration import amqp_url, load_settings
from functions.commands.options import add_url_overrides
from functions.commands.signals import stop_on_signals

if TYPE_CHECKING:
    from functions.core.settings import Settings


def arguments(parser: argparse.ArgumentParser) -> None:
    add_url_overrides(
        parser,
        "where to POST one target's events (repeatable); others follow "
        "TASKFLOW_FUNCTION_URL_TEMPLATE and the target's path",
    )


def run(args: argparse.Namespace) -> None:
    asyncio.run(dispatch(load_settings(), dict(args.url)))


async def dispatch(settings: Settings, urls: dict[str, str]) -> None:
    """Deliver events until SIGINT/SIGTERM; the topology is declared on each connection."""
    from events.transport.dispatch import Dispatcher
    from events.transport.topology import TopologyMismatch
    from functions.core.observability import configure_logging

    configure_logging(settings.log_level)
    try:
        dispatcher = Dispatcher(settings, amqp_url(settings), urls=urls)
    except (KeyError, ValueError) as exc:
        sys.exit(f"taskflow: {exc}")
    stop_on_signals(dispatcher.stop)
    try:
        await dispatcher.run()
    except TopologyMismatch as exc:
        sys.exit(f"taskflow: RabbitMQ has other queue settings: {exc}")
