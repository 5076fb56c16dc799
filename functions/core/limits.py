"""Capacities that both a process enforces and its deployment is rendered from, in one place
that imports nothing (the route table reads them at start-up)."""

from typing import Final

# Live streams one process holds (the setting `stream_limit`; the stream function's Knative
# containerConcurrency and target).
STREAM_LIMIT: Final = 10_000
