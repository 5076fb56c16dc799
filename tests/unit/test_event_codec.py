"""The one CloudEvents codec: HTTP binary, HTTP structured and AMQP forms round-trip."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from cloudevents.http import CloudEvent
from hypothesis import given
from hypothesis import strategies as st

from events import types
from events.codec import (
    STRUCTURED_CONTENT_TYPE,
    InvalidEvent,
    binary_http,
    from_amqp,
    from_http_request,
    new_event,
    structured_http,
    to_amqp,
)
from events.models import MemberAdded
from events.schemas import dataschema_of

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _event(**overrides: Any) -> CloudEvent:
    project_id = uuid.uuid4()
    data = MemberAdded(
        project_id=project_id, project_name="Launch", user_id=uuid.uuid4(), role="editor"
    )
    return new_event(
        types.MEMBER_ADDED,
        data,
        source=types.source_of("add_member"),
        subject=str(project_id),
        project_id=project_id,
        actor_id=uuid.uuid4(),
        traceparent=TRACEPARENT,
        **overrides,
    )


def _same(a: CloudEvent, b: CloudEvent) -> None:
    assert a.get_attributes() == b.get_attributes()
    assert a.get_data() == b.get_data()


def test_a_new_event_carries_taskflows_attributes_and_extensions() -> None:
    event = _event()
    assert event["specversion"] == "1.0"
    assert event["source"] == "/taskflow/add_member"
    assert event["datacontenttype"] == "application/json"
    assert event["dataschema"] == dataschema_of(types.MEMBER_ADDED)
    assert event[types.TRACEPARENT] == TRACEPARENT
    assert uuid.UUID(event[types.PROJECT_ID])
    assert uuid.UUID(event[types.ACTOR_ID])


def test_binary_http_round_trips() -> None:
    event = _event()
    headers, body = binary_http(event)
    assert headers["ce-id"] == event["id"]
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == event.get_data()
    _same(from_http_request(headers, body), event)


def test_structured_http_round_trips() -> None:
    event = _event()
    headers, body = structured_http(event)
    assert headers["content-type"] == STRUCTURED_CONTENT_TYPE
    assert json.loads(body)["id"] == event["id"]
    _same(from_http_request(headers, body), event)


def test_amqp_round_trips_with_the_knative_rabbitmq_binding_layout() -> None:
    event = _event()
    message = to_amqp(event)
    assert message.message_id == event["id"]
    assert message.content_type == "application/json"
    # Binary mode: attributes as plain header names, no `ce-` prefix, data as the body.
    assert message.headers["type"] == types.MEMBER_ADDED
    assert message.headers[types.TRACEPARENT] == TRACEPARENT
    assert not any(name.startswith("ce-") for name in message.headers)
    assert json.loads(message.body) == event.get_data()
    _same(from_amqp(message.headers, message.body, message.content_type), event)


def test_amqp_reading_ignores_rabbitmqs_own_headers_and_accepts_bytes() -> None:
    event = _event()
    message = to_amqp(event)
    headers: dict[str, Any] = {k: v.encode() for k, v in message.headers.items()}
    headers["x-delivery-count"] = 2
    headers["x-death"] = [{"count": 1}]
    _same(from_amqp(headers, message.body, message.content_type), event)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"content-type": "application/json"}, b'{"title": "not an event"}'),
        ({"content-type": STRUCTURED_CONTENT_TYPE}, b"{not json"),
        ({"content-type": STRUCTURED_CONTENT_TYPE}, b'{"specversion": "1.0", "type": "x"}'),
        ({"ce-specversion": "1.0", "ce-type": "x", "ce-source": "/s"}, b""),
        ({"ce-specversion": "0.1", "ce-id": "1", "ce-type": "x", "ce-source": "/s"}, b""),
        ({}, b""),
    ],
    ids=["plain-json", "broken-json", "structured-missing-id", "binary-missing-id", "old", "empty"],
)
def test_what_is_not_a_cloudevent_is_an_invalid_event(headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        from_http_request(headers, body)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(data=st.dictionaries(st.text(min_size=1, max_size=10), _json_values, max_size=6))
def test_any_json_data_survives_all_three_forms(data: dict[str, Any]) -> None:
    event = CloudEvent(
        {
            "type": types.TASK_UPDATED,
            "source": "/taskflow/update_task",
            "subject": "s",
            "datacontenttype": "application/json",
        },
        data,
    )
    for headers, body in (binary_http(event), structured_http(event)):
        assert from_http_request(headers, body).get_data() == data
    message = to_amqp(event)
    assert from_amqp(message.headers, message.body, message.content_type).get_data() == data


@pytest.mark.parametrize(
    "body",
    [
        b'{"specversion": "1.0", "id": 7, "source": "/s", "type": "x"}',
        b'{"specversion": "1.0", "id": "1", "source": "/s", "type": ["x"]}',
        b'{"specversion": "1.0", "id": "1", "source": "/s", "type": "x", "data": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
    ],
    ids=["number-id", "list-type", "deeply-nested"],
)
def test_a_structured_event_with_wrong_types_or_deep_nesting_is_an_invalid_event(
    body: bytes,
) -> None:
    with pytest.raises(InvalidEvent):
        from_http_request({"content-type": STRUCTURED_CONTENT_TYPE}, body)
