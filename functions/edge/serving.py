"""What every function process does around its answer: probes, the trace, one log line."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from functions.core.observability import continue_trace, current_function, current_trace

request_log = logging.getLogger("taskflow.request")

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
    """`answer` as the function `name`: in the caller's trace (or a new one), logged once."""

    async def function(request: Request) -> Response:
        started = time.perf_counter()
        trace = current_trace.set(continue_trace(request.headers.get("traceparent")))
        serving = current_function.set(name)
        try:
            answered = await answer(request)
            log_request(request, name, answered.status_code, started)
            return answered
        finally:
            current_function.reset(serving)
            current_trace.reset(trace)

    return function


def log_request(request: Request, target: str, status: int, started: float) -> None:
    """One line per request (in place of an access log, which costs far more)."""
    if request_log.isEnabledFor(logging.INFO):
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        request_log.info(
            "%s %s %d",
            request.method,
            request.url.path,
            status,
            extra={
                "fields": {
                    "http": {
                        "method": request.method,
                        "path": request.url.path,
                        "status": status,
                        "duration_ms": elapsed_ms,
                    },
                    "function": target,
                }
            },
        )
