"""`taskflow schedule`: call the scheduled functions on a timer (the local PingSources)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import suppress
from typing import TYPE_CHECKING

from functions.commands.configuration import load_settings
from functions.commands.options import add_url_overrides
from functions.commands.signals import stop_on_signals

if TYPE_CHECKING:
    from functions.core.settings import Settings


def arguments(parser: argparse.ArgumentParser) -> None:
    add_url_overrides(
        parser,
        "repeatable",
    )


def run(args: argparse.Namespace) -> None:
    asyncio.run(schedule(load_settings(), dict(args.url)))


async def schedule(settings: Settings, urls: dict[str, str]) -> None:
    """Call each scheduled function at its URL every its period: its cron's (every minute, every
    N minutes), the due-soon sweep's every TASKFLOW_DUE_SOON_INTERVAL_SECONDS."""
    import httpx

    from events.transport.scheduler import (
        http_post,
        local_periods,
        run_schedules,
        scheduled_routes,
    )
    from functions.core.observability import configure_logging

    configure_logging(settings.log_level)
    unknown = set(urls) - {route.target for route in scheduled_routes()}
    if unknown:
        sys.exit(f"taskflow: not scheduled functions: {', '.join(sorted(unknown))}")
    routes = [route for route in scheduled_routes() if route.target in urls]
    async with httpx.AsyncClient() as client:
        timers = asyncio.create_task(
            run_schedules(
                http_post(client, lambda route: urls[route.target]),
                settings.due_soon_interval_seconds,
                routes=routes,
                periods=local_periods(settings.due_soon_interval_seconds),
            )
        )

        def stop() -> None:
            timers.cancel()

        stop_on_signals(stop)
        with suppress(asyncio.CancelledError):
            await timers
