"""Events from other systems: tasks created by CloudEvent, and the schemas of TaskFlow's events.

A producer POSTs a `com.taskflow.task.create` CloudEvent (binary or structured) with a user's
access token; the answer is the `com.taskflow.task.created` event written to the outbox, in
the content mode of the request (Knative's reply semantics).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from contextlib import suppress
from functools import cache
from typing import Any, Final

from cloudevents.http import CloudEvent
from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from events import types
from events.codec import (
    STRUCTURED_CONTENT_TYPE,
    InvalidEvent,
    binary_http,
    from_http_request,
    structured_http,
)
from events.models import DATA_MODELS, TaskCreated
from events.outbox import from_row
from events.schemas import path_of
from functions.core import kv
from functions.core.database import transaction
from functions.core.errors import Conflict, InvalidInput, NotFound
from functions.core.models.tasks import TaskCreate
from functions.core.observability import continue_trace, current_trace
from functions.core.runtime import Runtime
from functions.core.services import tasks
from functions.core.tables import outbox
from functions.edge import BadRequest, Call, endpoint, read_body

ACCEPTED_TYPES: Final = (types.TASK_CREATE,)
# A producer's retries of one event land within this; its answer is kept as long.
REPLY_SECONDS: Final = 7 * 24 * 3600
# How long a first delivery may take before a retry of it may create the task after all.
CLAIM_SECONDS: Final = 300
_PENDING: Final = "pending"
SCHEMA_MEDIA_TYPE: Final = "application/schema+json"
SCHEMA_CACHE_CONTROL: Final = "public, max-age=3600"

CE_HEADERS: Final = {
    "ce-specversion": "Binary mode: `1.0` (structured mode sends no ce- headers)",
    "ce-type": f"Binary mode: `{types.TASK_CREATE}`",
    "ce-source": "Binary mode: the producer; with ce-id, what makes a retry recognisable",
    "ce-id": "Binary mode: unique per event of that source; a retry repeats it",
}
_TASK_CREATE_REF: Final = {"$ref": "#/components/schemas/TaskCreate"}
RAW_BODY: Final[dict[str, dict[str, Any]]] = {
    "application/json": _TASK_CREATE_REF,
    STRUCTURED_CONTENT_TYPE: {
        "type": "object",
        "required": ["specversion", "id", "source", "type", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "minLength": 1},
            "source": {"type": "string", "minLength": 1},
            "type": {"const": types.TASK_CREATE},
            "datacontenttype": {"const": types.DATA_CONTENT_TYPE},
            "data": _TASK_CREATE_REF,
        },
    },
}


@endpoint(response=TaskCreated, headers=CE_HEADERS, raw_body=RAW_BODY)
async def receive_event(call: Call[None, None]) -> Response:
    """Create a task from a `com.taskflow.task.create` CloudEvent; answer its `created` event."""
    request = call.request
    command = await _read_command(request, call.rt.settings.max_body_bytes)
    traceparent = command.get(types.TRACEPARENT)
    if isinstance(traceparent, str):
        current_trace.set(continue_trace(traceparent))
    created = await create_task_once(call.rt, call.user.user_id, command, _task_create(command))
    # The SDK reads a request with a ce-specversion header as binary, anything else structured.
    reply = binary_http if "ce-specversion" in request.headers else structured_http
    headers, body = reply(created)
    return Response(body, headers=headers)


@endpoint(auth=False)
async def get_event_schema(call: Call[None, None]) -> Response:
    """The JSON Schema of one event type's data: the document its `dataschema` names."""
    event_type = call.path_params.get("event_type", "")
    if event_type not in DATA_MODELS:
        raise NotFound("no such event type", known_types=sorted(DATA_MODELS))
    document, tag = _schema_document(event_type)
    headers = {"ETag": tag, "Cache-Control": SCHEMA_CACHE_CONTROL}
    if _none_match(call.request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(document, media_type=SCHEMA_MEDIA_TYPE, headers=headers)


async def _read_command(request: Request, limit: int) -> CloudEvent:
    body = await read_body(request, limit)
    try:
        event = from_http_request(request.headers, body)
    except InvalidEvent as exc:
        raise BadRequest(400, "Not a CloudEvent", str(exc)) from exc
    except RecursionError as exc:  # the SDK parses a structured envelope with json.loads
        raise BadRequest(400, "Not a CloudEvent", "the JSON is nested too deeply") from exc
    if not all(isinstance(event[name], str) for name in ("id", "source", "type")):
        raise BadRequest(400, "Not a CloudEvent", "id, source and type must be strings")
    if event["type"] not in ACCEPTED_TYPES:
        raise BadRequest(
            400,
            "Unsupported event type",
            "this endpoint takes commands of the accepted types only",
            accepted_types=list(ACCEPTED_TYPES),
        )
    return event


def _task_create(command: CloudEvent) -> TaskCreate:
    try:
        return TaskCreate.model_validate(command.get_data())
    except ValidationError as exc:
        errors = [
            {"loc": ["data", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise InvalidInput("the event's data is not a TaskCreate", errors=errors) from exc


async def create_task_once(
    rt: Runtime, user_id: uuid.UUID, command: CloudEvent, data: TaskCreate
) -> CloudEvent:
    """Create the task once per (user, source, id); a retry gets the same `created` event.

    The claim and the answer live in Redis (dedupe keys may expire): SET NX claims the event,
    the answer replaces the claim after the commit. A retry while the first is still being
    handled is a 409 to try again; one after a failure (the claim is dropped) tries afresh.
    """
    key = kv.key(rt.settings, "producer", _dedupe_digest(user_id, command))
    if not await rt.redis.set(key, _PENDING, nx=True, ex=CLAIM_SECONDS):
        return await _earlier_answer(rt, key)
    try:
        async with transaction(rt.engine) as conn:
            created = await _create_task(conn, user_id, data)
    except Exception:
        with suppress(RedisError):  # if Redis is gone too, the claim expires on its own
            await rt.redis.delete(key)
        raise
    _, body = structured_http(created)
    await rt.redis.set(key, body.decode(), ex=REPLY_SECONDS)
    return created


async def _create_task(conn: AsyncConnection, user_id: uuid.UUID, data: TaskCreate) -> CloudEvent:
    """The task, created as POST /api/tasks creates it, and the `created` event it recorded."""
    # create_task does not hand its events back: find ours among the outbox rows written
    # since (a primary-key range, so no scan of the whole outbox).
    before = await conn.scalar(select(func.coalesce(func.max(outbox.c.id), 0)))
    task = await tasks.create_task(conn, user_id, data)
    row = (
        await conn.execute(
            select(outbox).where(
                outbox.c.id > before,
                outbox.c.event_type == types.TASK_CREATED,
                outbox.c.subject == str(task.id),
            )
        )
    ).one()
    return from_row(dict(row._mapping))


async def _earlier_answer(rt: Runtime, key: str) -> CloudEvent:
    stored = await rt.redis.get(key)
    if stored is None or stored == _PENDING:
        raise Conflict("the same event is being handled; retry shortly", retry_after=1)
    body = stored if isinstance(stored, bytes) else stored.encode()
    return from_http_request({"content-type": STRUCTURED_CONTENT_TYPE}, body)


def _dedupe_digest(user_id: uuid.UUID, command: CloudEvent) -> str:
    # Per user: another account reusing a (source, id) gets its own task, never this answer.
    parts = json.dumps([str(user_id), command["source"], command["id"]])
    return hashlib.sha256(parts.encode()).hexdigest()


@cache
def _schema_document(event_type: str) -> tuple[bytes, str]:
    """The committed schema file and its entity tag (files change only with a release)."""
    document = path_of(event_type).read_bytes()
    return document, f'"{hashlib.sha256(document).hexdigest()[:32]}"'


def _none_match(header: str | None, tag: str) -> bool:
    if header is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or tag in tags
