"""Commands that arrive as CloudEvents from other systems, each carried out once.

A producer may deliver a command more than once (at-least-once, retries after a timeout):
the effect happens once per (user, source, id), and every delivery gets the same answer.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from contextlib import suppress
from typing import Final

from cloudevents.http import CloudEvent
from pydantic import ValidationError
from redis.exceptions import RedisError

from events import types
from events.codec import STRUCTURED_CONTENT_TYPE, from_http_request, structured_http
from functions.core import kv
from functions.core.database import transaction
from functions.core.errors import Conflict, InvalidInput, validation_errors
from functions.core.models.tasks import TaskCreate
from functions.core.runtime import Runtime
from functions.core.services import task_commands

# A producer's retries of one event land within this; its answer is kept as long.
REPLY_SECONDS: Final = 7 * 24 * 3600
# How long a first delivery may take before a retry of it may create the task after all.
CLAIM_SECONDS: Final = 300
_PENDING: Final = "pending"


def task_create_of(command: CloudEvent) -> TaskCreate:
    """The command's data as a TaskCreate; errors are located under `data`."""
    try:
        return TaskCreate.model_validate(command.get_data())
    except ValidationError as exc:
        raise InvalidInput(
            "the event's data is not a TaskCreate", errors=validation_errors(exc, under=["data"])
        ) from exc


async def create_task_once(rt: Runtime, user_id: uuid.UUID, command: CloudEvent) -> CloudEvent:
    """Create the task once per (user, source, id); a retry gets the same `created` event.

    The claim and the answer live in Redis (dedupe keys may expire): SET NX claims the event,
    the answer replaces the claim after the commit. A retry while the first is still being
    handled is a 409 to try again; one after a failure (the claim is dropped) tries afresh.
    """
    data = task_create_of(command)
    key = kv.key(rt.settings, "producer", _dedupe_digest(user_id, command))
    if not await rt.redis.set(key, _PENDING, nx=True, ex=CLAIM_SECONDS):
        return await _earlier_answer(rt, key)
    try:
        async with transaction(rt.engine) as conn:
            _, events = await task_commands.create_task_in(conn, user_id, data)
    except Exception:
        with suppress(RedisError):  # if Redis is gone too, the claim expires on its own
            await rt.redis.delete(key)
        raise
    created = next(e for e in events if e["type"] == types.TASK_CREATED)
    _, body = structured_http(created)
    await rt.redis.set(key, body.decode(), ex=REPLY_SECONDS)
    return created


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
