"""The local timer calls each scheduled route at start-up and then every interval."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from events.transport.scheduler import (
    cron_period_seconds,
    http_post,
    local_periods,
    run_schedules,
    scheduled_routes,
)
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


async def test_each_route_is_called_at_its_own_period() -> None:
    called: list[tuple[float, str]] = []
    clock = Ticks(6)

    async def post(route: Route) -> int:
        called.append((sum(clock.intervals), route.target))
        return 200

    every_minute = Route(
        "POST", "/schedule/minutely", "minutely", "x", SCHEDULE, schedule="* * * * *"
    )
    with pytest.raises(asyncio.CancelledError):
        await run_schedules(
            post, 150, routes=[NIGHTLY, every_minute], sleep=clock, periods={"minutely": 60}
        )
    assert called == [
        (0, "nightly"),
        (0, "minutely"),
        (60, "minutely"),
        (120, "minutely"),
        (150, "nightly"),
        (180, "minutely"),
        (240, "minutely"),
    ]
    assert clock.intervals == [60, 60, 30, 30, 60, 60]


@pytest.mark.parametrize(
    ("schedule", "seconds"),
    [("* * * * *", 60), ("*/5 * * * *", 300), ("*/15 * * * *", 900), ("17 3 * * *", None)],
)
def test_a_simple_cron_gives_the_local_period(schedule: str, seconds: float | None) -> None:
    assert cron_period_seconds(schedule) == seconds


def test_locally_emails_flush_every_minute_and_the_sweep_runs_at_its_setting() -> None:
    periods = local_periods(due_soon_interval_seconds=42)
    assert periods["flush_emails"] == 60
    assert periods["emit_due_soon"] == 42
    assert set(periods) == {route.target for route in scheduled_routes()}
