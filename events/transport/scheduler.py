"""The local stand-in for Knative PingSources: call each SCHEDULE route's target on a timer.

In a cluster each SCHEDULE route is a PingSource on its cron schedule; locally one loop calls
them all every `interval_seconds` (the first time at start-up), through whatever `post` the
mode provides: an in-process call (`taskflow dev`) or HTTP to the function's port
(`taskflow cluster`). A failed call is logged and tried again at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Final

from functions.routes import ROUTES, SCHEDULE, Route, load_target

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("taskflow.scheduler")

# Calls `route`'s target with a POST to its path; returns the HTTP status it answered.
Post = Callable[[Route], Awaitable[int]]
Sleep = Callable[[float], Awaitable[None]]
POST_TIMEOUT_SECONDS: Final = 60.0


def scheduled_routes() -> tuple[Route, ...]:
    return tuple(r for r in ROUTES if r.trigger == SCHEDULE)


async def run_schedules(
    post: Post,
    interval_seconds: float,
    *,
    routes: Sequence[Route] | None = None,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Call every scheduled route now and then every `interval_seconds`, until cancelled."""
    due = scheduled_routes() if routes is None else tuple(routes)
    while True:
        for route in due:
            await _call(post, route)
        await sleep(interval_seconds)


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
