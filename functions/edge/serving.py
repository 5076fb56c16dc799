"""What every function process does around its answer: probes, the trace, one log line."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from functions.core import runtime
from functions.core.observability import continue_trace, current_function, current_trace
from functions.edge.problems import problem
from functions.edge.redaction import loggable_path
from functions.routes import SCHEDULE, routes_for

request_log = logging.getLogger("taskflow.request")
log = logging.getLogger("taskflow.edge")

# Answers given up on at their deadline, kept until their clean-up ends (see `in_time`).
_abandoned: set[asyncio.Future[Response]] = set()

# Every function process answers its probes here, whatever its target: 200 once its
# settings are valid, so a misconfigured revision never becomes ready.
LIVENESS_PATH = "/healthz"
LIVENESS_BODY = '{"status":"ok"}'


def is_liveness_probe(request: Request) -> bool:
    return request.method == "GET" and request.url.path == LIVENESS_PATH


def liveness() -> Response:
    return Response(LIVENESS_BODY, media_type="application/json")


def served(
    name: str, answer: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """`answer` as the function `name`: in the caller's trace (or a new one), logged once,
    and within the request timeout (a scheduled run, which a timer waits for, has none; an
    upload, which takes as long as the client sends, has as long as its form lasts)."""
    bounded = all(route.trigger != SCHEDULE for route in routes_for(name))
    uploads = any(route.takes_file for route in routes_for(name))

    async def function(request: Request) -> Response:
        started = time.perf_counter()
        trace = current_trace.set(continue_trace(request.headers.get("traceparent")))
        serving = current_function.set(name)
        try:
            seconds = _request_timeout(uploads=uploads) if bounded else None
            if seconds is None:
                answered = await answer(request)
            else:
                answered = await in_time(answer(request), seconds, request.url.path)
            log_request(request, name, answered.status_code, started)
            return answered
        finally:
            current_function.reset(serving)
            current_trace.reset(trace)

    return function


def _request_timeout(*, uploads: bool = False) -> float | None:
    try:
        settings = runtime.current().settings
    except Exception:  # invalid settings: the answer itself reports them
        return None
    if uploads:
        return float(settings.attachment_upload_seconds)
    return settings.request_timeout_seconds


async def in_time(answering: Awaitable[Response], seconds: float, path: str) -> Response:
    """The answer, or a 503 problem once `seconds` have passed.

    The answer runs as a task of its own so that the 503 goes out on time even when
    cancelling it takes longer: psycopg, cancelled mid-query, asks the server to cancel and
    waits for it, seconds more on a connection that went silent. The task is cancelled and
    left to finish its clean-up.
    """
    work = asyncio.ensure_future(answering)
    try:
        await asyncio.wait((work,), timeout=seconds)
    except asyncio.CancelledError:
        work.cancel()
        raise
    if work.done():
        return work.result()
    work.cancel()
    _abandoned.add(work)
    work.add_done_callback(_forget)
    log.warning(
        "no answer within %g s on %s: the servers behind it are slow or gone",
        seconds,
        loggable_path(path),
    )
    return problem(503, "Service unavailable", "try again shortly", instance=path)


def _forget(work: asyncio.Future[Response]) -> None:
    _abandoned.discard(work)
    if not work.cancelled():
        work.exception()  # retrieved: nobody waits for it any more


def log_request(request: Request, target: str, status: int, started: float) -> None:
    """One line per request (in place of an access log, which costs far more)."""
    if request_log.isEnabledFor(logging.INFO):
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        path = loggable_path(request.url.path)
        request_log.info(
            "%s %s %d",
            request.method,
            path,
            status,
            extra={
                "fields": {
                    "http": {
                        "method": request.method,
                        "path": path,
                        "status": status,
                        "duration_ms": elapsed_ms,
                    },
                    "function": target,
                }
            },
        )
