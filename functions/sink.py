"""The edge of a CloudEvent sink: a function the broker POSTs events to.

Answers per Knative's delivery contract: 2xx once the effect is stored (or was stored
before: a duplicate), 400 for an event that can never be handled (dead-lettered, not
retried), 5xx when a server we depend on is down (retried with backoff). The event types a
sink takes are those its route subscribes to in the route table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TYPE_CHECKING, cast

from functions_framework import aio
from starlette.requests import Request
from starlette.responses import Response

from functions.core import runtime
from functions.core.errors import InvalidInput
from functions.core.observability import continue_trace, current_trace
from functions.edge import (
    BadRequest,
    error_response,
    is_liveness_probe,
    read_body,
    served,
)
from functions.edge.serving import liveness
from functions.routes import routes_for

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from functions.core.runtime import Runtime

EventHandler = Callable[["Runtime", "CloudEvent"], Awaitable[None]]


def event_sink(handler: EventHandler) -> Callable[[Request], Awaitable[Response]]:
    """Make `handler(rt, event)` a functions-framework function taking binary or structured
    CloudEvents of the types its route subscribes to. The handler raises InvalidInput (or
    another 4xx DomainError) for an event it can never handle; returning means the effect is
    stored."""
    name = handler.__name__
    accepted = frozenset(t for route in routes_for(name) for t in route.subscribes)
    if not accepted:
        raise LookupError(f"{name} subscribes to nothing in the route table")

    async def answer(request: Request) -> Response:
        path = request.url.path
        try:
            rt = runtime.current()  # a misconfigured process fails here
            if is_liveness_probe(request):
                return liveness()
            if request.method != "POST":
                raise BadRequest(405, "Method not allowed", "POST a CloudEvent")
            event = _read_event(await read_body(request, rt.settings.max_body_bytes), request)
            if event["type"] not in accepted:
                raise BadRequest(
                    400,
                    "Unsupported event type",
                    f"{name} does not take {event['type']}",
                    accepted_types=sorted(accepted),
                )
            current_trace.set(continue_trace(event.get("traceparent")))
            try:
                await handler(rt, event)
            except InvalidInput as exc:
                # Data that can never be handled: 400, which Knative dead-letters unretried.
                raise BadRequest(400, "Invalid event", exc.detail, **exc.extra) from exc
            return Response(status_code=202)
        except Exception as exc:
            return error_response(exc, path)

    function = wraps(handler)(served(name, answer))
    function.__taskflow_sink__ = accepted  # type: ignore[attr-defined]
    return cast(Callable[[Request], Awaitable[Response]], aio.http(function))


def _read_event(body: bytes, request: Request) -> CloudEvent:
    from events.codec import InvalidEvent, from_http_request

    try:
        return from_http_request(request.headers, body)
    except InvalidEvent as exc:
        raise BadRequest(400, "Not a CloudEvent", str(exc)) from exc
