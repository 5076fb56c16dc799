"""Request logs: one JSON line per request, carrying the caller's W3C trace id."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.responses import Response

from functions.core import runtime
from functions.core.observability import JsonLines, TraceContext, continue_trace, current_trace
from functions.core.runtime import Runtime
from functions.edge.problems import unexpected_error
from functions.edge.redaction import loggable_path
from functions.edge.serving import in_time
from functions.gateway import create_app
from tests.conftest import make_test_settings

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_a_valid_traceparent_is_continued_in_a_new_span() -> None:
    trace = continue_trace(CALLER)
    assert trace.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace.span_id != "00f067aa0ba902b7"
    assert trace.traceparent.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # the invalid trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # the invalid span id
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  # one digit short
    ],
)
def test_a_missing_or_invalid_traceparent_starts_a_new_trace(header: str | None) -> None:
    trace = continue_trace(header)
    assert len(trace.trace_id) == 32
    assert trace.trace_id != "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace.trace_id != "0" * 32


def test_a_log_line_is_json_with_the_current_trace_id_and_its_fields() -> None:
    record = logging.LogRecord(
        "taskflow.test", logging.INFO, __file__, 1, "hello %s", ("you",), None
    )
    record.fields = {"function": "get_task"}
    token = current_trace.set(TraceContext("a" * 32, "b" * 16))
    try:
        line = json.loads(JsonLines().format(record))
    finally:
        current_trace.reset(token)
    assert line["message"] == "hello you"
    assert line["trace_id"] == "a" * 32
    assert line["function"] == "get_task"
    assert line["level"] == "info"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(JsonLines().format(record)))


@pytest.fixture
def request_lines() -> Iterator[_Lines]:
    handler = _Lines()
    logger = logging.getLogger("taskflow.request")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


async def test_each_request_logs_one_line_with_its_status_function_and_trace(
    request_lines: _Lines, tmp_path: Path
) -> None:
    rt = Runtime(make_test_settings(env="dev", data_dir=tmp_path))
    previous = runtime.install(rt)
    try:
        app = create_app(rt, web_dist=tmp_path / "no-web")
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            await client.get("/healthz", headers={"traceparent": CALLER})
            await client.get("/api/tasks")  # no token: a 401, logged as well
    finally:
        runtime.install(previous)
        await rt.close()
    first, second = request_lines.lines
    first_http: Any = first["http"]
    second_http: Any = second["http"]
    assert first["function"] == "healthz"
    assert (first_http["method"], first_http["path"], first_http["status"]) == (
        "GET",
        "/healthz",
        200,
    )
    assert first_http["duration_ms"] >= 0
    assert first["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert second["function"] == "list_tasks"
    assert second_http["status"] == 401
    assert second["trace_id"] != first["trace_id"]


async def test_a_path_that_carries_a_secret_is_logged_as_its_route(
    request_lines: _Lines, tmp_path: Path
) -> None:
    rt = Runtime(make_test_settings(env="dev", data_dir=tmp_path))
    previous = runtime.install(rt)
    try:
        app = create_app(rt, web_dist=tmp_path / "no-web")
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            # Not a feed's secret (it is refused before any lookup), but shaped like a URL's.
            await client.get("/api/calendar/ical/not-a-secret.ics")
    finally:
        runtime.install(previous)
        await rt.close()
    (line,) = request_lines.lines
    http: Any = line["http"]
    assert (http["path"], http["status"]) == ("/api/calendar/ical/{token}", 404)
    assert "not-a-secret" not in json.dumps(line)


def test_only_a_path_that_carries_a_secret_is_logged_as_its_route() -> None:
    secret = secrets.token_urlsafe(24)
    assert loggable_path(f"/api/calendar/ical/{secret}.ics") == "/api/calendar/ical/{token}"
    assert loggable_path(f"/api/attachments/files/{secret}") == "/api/attachments/files/{token}"
    for path in ("/api/calendar/feeds", "/api/attachments/upload", f"/api/tasks/{secret}"):
        assert loggable_path(path) == path


@pytest.mark.parametrize(
    ("error", "status"),
    [(RedisConnectionError("connection refused"), 503), (RuntimeError("a bug"), 500)],
    ids=["dependency unavailable", "unhandled error"],
)
def test_an_error_s_log_line_names_a_path_that_carries_a_secret_by_its_route(
    error: Exception, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="taskflow.edge")
    secret = secrets.token_urlsafe(24)
    feed = unexpected_error(error, f"/api/calendar/ical/{secret}.ics")
    task = unexpected_error(error, f"/api/tasks/{secret}")
    assert (feed.status_code, task.status_code) == (status, status)
    feed_line, task_line = (record.getMessage() for record in caplog.records)
    assert "/api/calendar/ical/{token}" in feed_line
    assert secret not in feed_line
    # Any other path is written as it is.
    assert f"/api/tasks/{secret}" in task_line


async def test_a_timeout_s_log_line_names_a_path_that_carries_a_secret_by_its_route(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="taskflow.edge")
    secret = secrets.token_urlsafe(24)

    async def never() -> Response:
        await asyncio.sleep(60)
        return Response()

    answered = await in_time(never(), 0.01, f"/api/attachments/files/{secret}")
    assert answered.status_code == 503
    (line,) = (record.getMessage() for record in caplog.records)
    assert "no answer within" in line
    assert "/api/attachments/files/{token}" in line
    assert secret not in line
