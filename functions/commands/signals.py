"""How a long-running subcommand stops."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable


def stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGINT and SIGTERM end the loop cleanly (deliveries in flight finish first)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
