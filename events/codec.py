"""The one CloudEvents codec: building events, and HTTP (binary, structured) and AMQP forms.

Everything goes through the cloudevents SDK (1.x); the AMQP form is its binary HTTP form with
the `ce-` prefix dropped, as the Knative RabbitMQ binding writes messages: attributes in the
headers, `content_type` and `message_id` (= the event id) in the properties, persistent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from cloudevents.conversion import to_binary, to_structured
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent, from_http
from pydantic import BaseModel

from events import types
from events.schemas import dataschema_of

CE_PREFIX: Final = "ce-"
STRUCTURED_CONTENT_TYPE: Final = "application/cloudevents+json"
# Attributes every event carries and the AMQP properties that repeat them.
_REQUIRED: Final = ("specversion", "id", "source", "type")


class InvalidEvent(ValueError):
    """Not a CloudEvent we can read: its sender should not retry it as it is."""


def new_event(
    event_type: str,
    data: BaseModel,
    *,
    source: str,
    subject: str,
    project_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    traceparent: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> CloudEvent:
    """A TaskFlow event: JSON data described by its `dataschema`, with our extensions."""
    attributes: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "type": event_type,
        "source": source,
        "subject": subject,
        "time": (time or datetime.now(UTC)).isoformat(),
        "datacontenttype": types.DATA_CONTENT_TYPE,
        "dataschema": dataschema_of(event_type),
    }
    if project_id is not None:
        attributes[types.PROJECT_ID] = str(project_id)
    if actor_id is not None:
        attributes[types.ACTOR_ID] = str(actor_id)
    if traceparent:
        attributes[types.TRACEPARENT] = traceparent
    return CloudEvent(attributes, data.model_dump(mode="json"))


def binary_http(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    headers, body = to_binary(event)
    return dict(headers), body or b""


def structured_http(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    headers, body = to_structured(event)
    return dict(headers), body or b""


def from_http_request(headers: Mapping[str, str], body: bytes) -> CloudEvent:
    """A binary or structured HTTP CloudEvent; InvalidEvent if it is neither."""
    lowered = {name.lower(): value for name, value in headers.items()}
    media_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    if "ce-specversion" not in lowered and media_type != STRUCTURED_CONTENT_TYPE:
        raise InvalidEvent(
            "not a CloudEvent: send ce-* headers (binary mode) "
            f"or a {STRUCTURED_CONTENT_TYPE} body (structured mode)"
        )
    try:
        event = from_http(lowered, body)
    except (GenericException, ValueError, TypeError, RecursionError) as exc:
        raise InvalidEvent(f"not a valid CloudEvent: {exc}") from exc
    missing = [
        name for name in _REQUIRED if not isinstance(event.get(name), str) or not event[name]
    ]
    if missing:
        raise InvalidEvent(f"the event lacks {', '.join(missing)} (each a non-empty string)")
    return event


@dataclass(frozen=True)
class AmqpMessage:
    """An event as a RabbitMQ message (what pika's BasicProperties and body carry)."""

    body: bytes
    message_id: str
    content_type: str | None
    headers: dict[str, str] = field(default_factory=dict)


def to_amqp(event: CloudEvent) -> AmqpMessage:
    headers, body = binary_http(event)
    content_type = headers.pop("content-type", None)
    attributes = {
        name.removeprefix(CE_PREFIX): value
        for name, value in headers.items()
        if name.startswith(CE_PREFIX)
    }
    return AmqpMessage(
        body=body, message_id=event["id"], content_type=content_type, headers=attributes
    )


def from_amqp(
    headers: Mapping[str, Any] | None, body: bytes, content_type: str | None = None
) -> CloudEvent:
    """The event in a RabbitMQ message written by `to_amqp` (or by Knative's broker)."""
    http_headers = {
        f"{CE_PREFIX}{name.lower()}": value.decode() if isinstance(value, bytes) else str(value)
        for name, value in (headers or {}).items()
        if not name.startswith("x-")  # RabbitMQ's own headers (x-death, x-delivery-count)
    }
    http_headers.pop(f"{CE_PREFIX}content-type", None)
    if content_type:
        http_headers["content-type"] = content_type
    return from_http_request(http_headers, body)
