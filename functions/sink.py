"""The edge of a CloudEvent sink: a function the broker POSTs events to.

Answers per Knative's delivery contract: 2xx once the effect is stored (or was stored
before: a duplicate), 400 for an event that can never be handled (dead-lettered, not
retried), 5xx when a server we depend on is down (retried with backoff).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from functools import wraps
from typing import TYPE_CHECKING, cast

from functions_framework import aio
from starlette.requests import Request
from starlette.responses import Response

from functions.core import runtime
from functions.core.errors import DomainError, InvalidInput
from functions.core.observability import continue_trace, current_trace
from functions.edge import (
    LIVENESS_BODY,
    BadRequest,
    is_liveness_probe,
    problem,
    read_body,
    served,
    unexpected_error,
)

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

EventHandler = Callable[["CloudEvent"], Awaitable[None]]


def event_sink(
    *, accepts: Collection[str]
) -> Callable[[EventHandler], Callable[[Request], Awaitable[Response]]]:
    """Make `handler(event)` a functions-framework function taking binary or structured
    CloudEvents of the `accepts` types. The handler raises InvalidInput (or another 4xx
    DomainError) for an event it can never handle; returning means the effect is stored."""
    accepted = frozenset(accepts)

    def wrap(handler: EventHandler) -> Callable[[Request], Awaitable[Response]]:
        name = handler.__name__

        async def answer(request: Request) -> Response:
            from events.codec import InvalidEvent, from_http_request

            path = request.url.path
            try:
                settings = runtime.current().settings
                if is_liveness_probe(request):
                    return Response(LIVENESS_BODY, media_type="application/json")
                if request.method != "POST":
                    return problem(405, "Method not allowed", "POST a CloudEvent", instance=path)
                body = await read_body(request, settings.max_body_bytes)
                try:
                    event = from_http_request(request.headers, body)
                except InvalidEvent as exc:
                    return problem(400, "Not a CloudEvent", str(exc), instance=path)
                if event["type"] not in accepted:
                    return problem(
                        400,
                        "Unsupported event type",
                        f"{name} does not take {event['type']}",
                        instance=path,
                        accepted_types=sorted(accepted),
                    )
                current_trace.set(continue_trace(event.get("traceparent")))
                await handler(event)
                return Response(status_code=202)
            except BadRequest as exc:
                return problem(exc.status, exc.title, exc.detail, instance=path, **exc.extra)
            except InvalidInput as exc:
                # Data that can never be handled: 400, which Knative dead-letters unretried.
                return problem(400, "Invalid event", exc.detail, instance=path, **exc.extra)
            except DomainError as exc:
                return problem(exc.status, exc.title, exc.detail, instance=path, **exc.extra)
            except Exception as exc:
                return unexpected_error(exc, path)

        function = wraps(handler)(served(name, answer))
        function.__taskflow_sink__ = accepted  # type: ignore[attr-defined]
        return cast(Callable[[Request], Awaitable[Response]], aio.http(function))

    return wrap
