"""The one CloudEvents codec: building events, and HTTP (binary, structured) and AMQP forms.

Everything goes through the cloudevents SDK (1.x); the AMQP form is its binary HTTP form with
the `ce-` prefix dropped, as the Knative RabbitMQ binding writes messages: attributes in the
headers, `content_type` and `message_id` (= the event id) in the properties, persistent.
Binary HTTP header values are percent-encoded as the HTTP binding asks; AMQP ones are not.
Reading never raises anything but InvalidEvent, whatever arrives.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote, unquote

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
# The HTTP binding (3.1.3.2): in a `ce-` header, all but printable ASCII, and space, `"` and
# `%`, is percent-encoded UTF-8, so any attribute value can travel as a header.
# What the spec allows an attribute's name to be; anything else has no form in every binding.
_ATTRIBUTE_NAME: Final = re.compile(r"[a-z0-9]+")
# RFC 3339, as `time` must be: consumers store it and show it.
_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d{1,9})?([Zz]|[+-]\d\d:\d\d)"
)
_HEADER_SAFE: Final = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')


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
    headers, body = _binary(event)
    return {
        name: quote(value, safe=_HEADER_SAFE) if name.startswith(CE_PREFIX) else value
        for name, value in headers.items()
    }, body


def _binary(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    headers, body = to_binary(event)
    return dict(headers), body or b""


def structured_http(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    headers, body = to_structured(event)
    return dict(headers), body or b""


def from_http_request(headers: Mapping[str, str], body: bytes) -> CloudEvent:
    """A binary or structured HTTP CloudEvent; InvalidEvent if it is neither."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        for name, value in lowered.items():
            if name.startswith(CE_PREFIX):
                lowered[name] = unquote(value, errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidEvent(f"a ce- header is not percent-encoded UTF-8: {exc}") from exc
    return _from_http(lowered, body)


def _from_http(lowered: dict[str, str], body: bytes) -> CloudEvent:
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
    names = [name for name in event.get_attributes() if not _ATTRIBUTE_NAME.fullmatch(name)]
    if names:
        raise InvalidEvent(
            f"attribute names are lowercase letters and digits, not {names[0]!r:.40}"
        )
    if "time" in event and not _is_timestamp(event["time"]):
        raise InvalidEvent("time is not an RFC 3339 timestamp")
    # It becomes the Content-Type of every binary form, which only printable ASCII can be.
    media = event.get("datacontenttype")
    if media is not None and not (
        isinstance(media, str) and media.isascii() and media.isprintable() and media.strip()
    ):
        raise InvalidEvent("datacontenttype is not a media type")
    return event


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper())  # the ranges: no 25th hour, no 30 February
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class AmqpMessage:
    """An event as a RabbitMQ message (what pika's BasicProperties and body carry)."""

    body: bytes
    message_id: str
    content_type: str | None
    headers: dict[str, str] = field(default_factory=dict)


def to_amqp(event: CloudEvent) -> AmqpMessage:
    # AMQP header values are strings of their own: no percent-encoding (the AMQP binding).
    headers, body = _binary(event)
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
    headers: Mapping[str | bytes, Any] | None,
    body: bytes,
    content_type: str | bytes | None = None,
) -> CloudEvent:
    """The event in a RabbitMQ message written by `to_amqp` (or by Knative's broker);
    InvalidEvent if it holds none."""
    http_headers: dict[str, str] = {}
    for name, value in (headers or {}).items():
        # pika leaves a name or string that is not UTF-8 as bytes.
        attribute = _text(name).lower()
        # Only attribute names (lowercase ASCII letters and digits) are attributes: not
        # RabbitMQ's own headers (x-death, x-delivery-count), nor a content-type header.
        if _ATTRIBUTE_NAME.fullmatch(attribute):
            http_headers[f"{CE_PREFIX}{attribute}"] = _text(value)
    if content_type:
        http_headers["content-type"] = _text(content_type)
    return _from_http(http_headers, body)


def _text(value: Any) -> str:
    if not isinstance(value, bytes):
        return str(value)
    try:
        return value.decode()
    except UnicodeDecodeError as exc:
        raise InvalidEvent(f"a header is not UTF-8: {value!r:.80}") from exc
