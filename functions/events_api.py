"""Events from other systems: tasks created by CloudEvent.

A producer POSTs a `com.taskflow.task.create` CloudEvent (binary or structured) with a user's
access token; the answer is the `com.taskflow.task.created` event written to the outbox, in
the content mode of the request (Knative's reply semantics).
"""

from __future__ import annotations

from typing import Any, Final

from cloudevents.http import CloudEvent
from starlette.requests import Request
from starlette.responses import Response

from events import types
from events.codec import (
    InvalidEvent,
    binary_http,
    from_http_request,
    structured_http,
)
from events.models import TaskCreated
from functions.core.observability import continue_trace, current_trace
from functions.core.services import event_commands
from functions.edge import BadRequest, Call, Header, endpoint, read_body

ACCEPTED_TYPES: Final = (types.TASK_CREATE,)

# Binary mode, as documented: a structured-mode request (`application/cloudevents+json`, no ce-
# headers) is taken too, but one operation cannot say that its headers depend on its body.
_PRESENT: Final = {"type": "string", "pattern": r"\S"}
CE_HEADERS: Final = {
    "ce-specversion": Header(
        "`1.0`. A structured-mode request (an `application/cloudevents+json` body holding the "
        "whole event) sends no ce- headers instead",
        {"type": "string", "enum": ["1.0"]},
        required=True,
    ),
    "ce-type": Header(
        f"`{types.TASK_CREATE}`", {"type": "string", "enum": [types.TASK_CREATE]}, required=True
    ),
    "ce-source": Header(
        "The producer; with ce-id, what makes a retry recognisable", _PRESENT, required=True
    ),
    "ce-id": Header("Unique per event of that source; a retry repeats it", _PRESENT, required=True),
}
RAW_BODY: Final[dict[str, dict[str, Any]]] = {
    "application/json": {"$ref": "#/components/schemas/TaskCreate"}
}


@endpoint(response=TaskCreated, headers=CE_HEADERS, raw_body=RAW_BODY)
async def receive_event(call: Call[None, None]) -> Response:
    """Create a task from a `com.taskflow.task.create` CloudEvent; answer its `created` event."""
    request = call.request
    command = await _read_command(request, call.rt.settings.max_body_bytes)
    traceparent = command.get(types.TRACEPARENT)
    if isinstance(traceparent, str):
        current_trace.set(continue_trace(traceparent))
    created = await event_commands.create_task_once(call.rt, call.user.user_id, command)
    # The SDK reads a request with a ce-specversion header as binary, anything else structured.
    reply = binary_http if "ce-specversion" in request.headers else structured_http
    headers, body = reply(created)
    return Response(body, headers=headers)


async def _read_command(request: Request, limit: int) -> CloudEvent:
    body = await read_body(request, limit)
    try:
        event = from_http_request(request.headers, body)
    except InvalidEvent as exc:  # the codec also refuses deep nesting and non-string ids
        raise BadRequest(400, "Not a CloudEvent", str(exc)) from exc
    if event["type"] not in ACCEPTED_TYPES:
        raise BadRequest(
            400,
            "Unsupported event type",
            "this endpoint takes commands of the accepted types only",
            accepted_types=list(ACCEPTED_TYPES),
        )
    return event
