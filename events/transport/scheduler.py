"""The local stand-in for Knative PingSources: call each SCHEDULE route's target on a timer.

In a cluster each SCHEDULE route is a PingSource on its cron schedule; locally one loop calls
each at start-up and then every its period (`local_periods`: the cron's own for the simple
ones, every minute or every N minutes; TASKFLOW_DUE_SOON_INTERVAL_SECONDS for the due-soon
sweep), through whatever `post` the mode provides: an in-process call (`taskflow dev`) or HTTP
to the function's port (`taskflow cluster`). A failed call is logged and tried again at the
next tick.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

from functions.routes import ROUTES, SCHEDULE, Route, load_target

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("taskflow.scheduler")

# Calls `route`'s target with a POST to its path; returns the HTTP status it answered.
Post = Callable[[Route], Awaitable[int]]
Sleep = Callable[[float], Awaitable[None]]
POST_TIMEOUT_SECONDS: Final = 60.0
# The sweep whose local period is a setting of its own (TASKFLOW_DUE_SOON_INTERVAL_SECONDS).
DUE_SOON_TARGET: Final = "emit_due_soon"
# "* * * * *" (every minute) and "*/N * * * *" (every N minutes).
_EVERY_MINUTES: Final = re.compile(r"(\*|\*/([1-9][0-9]*)) \* \* \* \*")


def scheduled_routes() -> tuple[Route, ...]:
    return tuple(r for r in ROUTES if r.trigger == SCHEDULE)


def cron_period_seconds(schedule: str | None) -> float | None:
    """The period of a cron that runs every minute or every N minutes; None for any other."""
    found = _EVERY_MINUTES.fullmatch((schedule or "").strip())
    if found is None:
        return None
    return 60.0 * int(found.group(2) or 1)


def local_periods(due_soon_interval_seconds: float) -> dict[str, float]:
    """How often the local timer calls each scheduled function (those whose cron is not a
    simple period, such as nightly work, run at the due-soon sweep's)."""
    periods = {}
    for route in scheduled_routes():
        period = cron_period_seconds(route.schedule)
        if route.target != DUE_SOON_TARGET and period is not None:
            periods[route.target] = period
    periods[DUE_SOON_TARGET] = due_soon_interval_seconds
    return periods


async def run_schedules(
    post: Post,
    interval_seconds: float,
    *,
    routes: Sequence[Route] | None = None,
    sleep: Sleep = asyncio.sleep,
    periods: Mapping[str, float] | None = None,
) -> None:
    """Call every scheduled route now and then every its period (`periods`, by target; else
    `interval_seconds`), until cancelled."""
    due = scheduled_routes() if routes is None else tuple(routes)
    if not due:
        while True:
            await sleep(interval_seconds)
    period = {r.target: (periods or {}).get(r.target, interval_seconds) for r in due}
    next_call = dict.fromkeys(period, 0.0)
    # Time as the timer counts it: the sum of its sleeps (a call's own time shifts it later).
    elapsed = 0.0
    while True:
        for route in due:
            if next_call[route.target] <= elapsed:
                await _call(post, route)
                next_call[route.target] = elapsed + period[route.target]
        wait = min(next_call.values()) - elapsed
        await sleep(wait)
        elapsed += wait


async def _call(post: Post, route: Route) -> None:
    try:
        status = await post(route)
    except Exception:
        log.exception("scheduled call to %s failed", route.target)
        return
    if not 200 <= status < 300:
        log.warning("scheduled call to %s answered %d", route.target, status)


def http_post(client: httpx.AsyncClient, url_of: Callable[[Route], str]) -> Post:
    """A `post` over HTTP to `url_of(route)`: where the route's function answers its path."""

    async def post(route: Route) -> int:
        response = await client.post(url_of(route), timeout=POST_TIMEOUT_SECONDS)
        return response.status_code

    return post


def in_process_post(client_address: str = "127.0.0.1") -> Post:
    """A `post` that calls the route's function in this process (the runtime installed here)."""
    from starlette.requests import Request

    async def post(route: Route) -> int:
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "server": ("localhost", 80),
            "client": (client_address, 0),
            "path": route.path,
            "raw_path": route.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"content-length", b"0")],
        }

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        response = await load_target(route.target)(Request(scope, receive))
        status: int = response.status_code
        return status

    return post
