"""The local timer calls each scheduled route at start-up and then every interval."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from events.transport.scheduler import http_post, run_schedules, scheduled_routes
from functions.routes import ROUTES, SCHEDULE, Route

NIGHTLY = Route("POST", "/schedule/nightly", "nightly", "functions.scheduled", trigger=SCHEDULE)


class Ticks:
    """A `sleep` that records each interval and ends the loop after `count` of them."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.intervals: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.intervals.append(seconds)
        if len(self.intervals) == self.count:
            raise asyncio.CancelledError


def test_the_scheduled_routes_are_the_schedule_triggered_ones_of_the_table() -> None:
    routes = scheduled_routes()
    assert "emit_due_soon" in {r.target for r in routes}
    assert all(r.trigger == SCHEDULE and r.schedule for r in routes)  # Knative needs a cron
    assert not any(r.public for r in routes)


async def test_every_route_is_called_at_once_and_after_each_interval() -> None:
    called: list[str] = []

    async def post(route: Route) -> int:
        called.append(route.target)
        return 200

    ticks = Ticks(3)
    [due_soon] = [r for r in ROUTES if r.target == "emit_due_soon"]
    with pytest.raises(asyncio.CancelledError):
        await run_schedules(post, 7.5, routes=[due_soon, NIGHTLY], sleep=ticks)
    assert called == ["emit_due_soon", "nightly"] * 3
    assert ticks.intervals == [7.5] * 3


async def test_a_failing_call_is_logged_and_neither_stops_the_timer_nor_the_other_routes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers: list[str] = []

    async def post(route: Route) -> int:
        if route is NIGHTLY:
            raise httpx.ConnectError("refused")
        answers.append(route.target)
        return 503

    caplog.set_level("WARNING", logger="taskflow.scheduler")
    [due_soon] = [r for r in ROUTES if r.target == "emit_due_soon"]
    with pytest.raises(asyncio.CancelledError):
        await run_schedules(post, 1, routes=[NIGHTLY, due_soon], sleep=Ticks(2))
    assert answers == ["emit_due_soon", "emit_due_soon"]
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("scheduled call to nightly failed") == 2
    assert messages.count("scheduled call to emit_due_soon answered 503") == 2


async def test_the_http_post_posts_to_the_url_given_for_the_route() -> None:
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url)))
        return httpx.Response(200, json={"emitted": 0})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        post = http_post(client, lambda route: f"http://127.0.0.1:8{len(route.target)}{route.path}")
        assert await post(NIGHTLY) == 200
    assert seen == [("POST", "http://127.0.0.1:87/schedule/nightly")]
