"""Fuzzing the CloudEvent codec: any HTTP request or RabbitMQ message is read as an event that
writes out again, or refused with InvalidEvent, and none takes a second.

Hypothesis here: byte mutations of the corpus, and structured strategies that reach what the
corpus's layout cannot write (header values of every type pika decodes, bytes included).
The same checks also run under atheris, coverage-guided (tests/fuzz/atheris_codec.py: a short
run in test_fuzz_atheris, a long one in `make fuzz`, which also runs these tests with many
more examples).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from events.codec import STRUCTURED_CONTENT_TYPE
from tests.fuzz.harness import (
    amqp_parts,
    check_amqp,
    check_http,
    corpus,
    read_message,
    within_limit,
)
from tests.fuzz.mutations import mutated

# `make fuzz` raises it; a short run here keeps `make check` fast.
EXAMPLES = int(os.environ.get("FUZZ_INPUT_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # measured below, against the 1 s limit, input by input
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HTTP_SEEDS = [raw for _, raw in corpus("http")]
AMQP_SEEDS = [raw for _, raw in corpus("amqp")]
slowest: dict[str, tuple[float, bytes | str]] = {}


def _record(name: str, raw: bytes | str) -> Any:
    def record(elapsed: float) -> None:
        if elapsed > slowest.get(name, (0.0, b""))[0]:
            slowest[name] = (elapsed, raw)

    return record


@pytest.fixture(scope="module", autouse=True)
def report_slowest(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for name, (elapsed, raw) in sorted(slowest.items()):
        if reporter is not None:
            reporter.write_line(f"fuzz {name}: slowest {elapsed * 1000:.1f} ms: {raw!r:.200}")


@pytest.mark.parametrize(("name", "raw"), corpus("http"), ids=[n for n, _ in corpus("http")])
def test_every_http_seed_reads_as_its_name_says(name: str, raw: bytes) -> None:
    message = read_message(raw)
    read = check_http(message.header_dict(), message.body)
    assert (read is None) == name.startswith("not-")


@pytest.mark.parametrize(("name", "raw"), corpus("amqp"), ids=[n for n, _ in corpus("amqp")])
def test_every_amqp_seed_reads_as_its_name_says(name: str, raw: bytes) -> None:
    read = check_amqp(*amqp_parts(read_message(raw)))
    assert (read is None) == name.startswith("not-")


@FUZZ
@given(raw=mutated(HTTP_SEEDS))
def test_any_mutated_http_request_is_an_event_or_invalid(raw: bytes) -> None:
    message = read_message(raw)
    with within_limit(lambda: repr(raw[:300]), _record("http mutated", raw)):
        check_http(message.header_dict(), message.body)


_header_text = st.text(max_size=40)
_attribute_names = st.sampled_from(
    ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema",
     "traceparent", "projectid", "actorid", "data", "data_base64", "content-type"]
)  # fmt: skip
_json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _header_text
)
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_header_text, inner, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(
    attributes=st.dictionaries(_attribute_names | _header_text, _header_text, max_size=8),
    specversion=st.sampled_from(["1.0", "0.3", "", "1.0 "]) | _header_text,
    content_type=st.none() | st.sampled_from(["application/json", "text/plain"]) | _header_text,
    body=st.binary(max_size=64) | _json.map(lambda v: repr(v).encode()),
)
def test_any_binary_mode_headers_are_an_event_or_invalid(
    attributes: dict[str, str], specversion: str, content_type: str | None, body: bytes
) -> None:
    headers = {f"ce-{name}": value for name, value in attributes.items()}
    headers["ce-specversion"] = specversion
    if content_type is not None:
        headers["content-type"] = content_type
    with within_limit(lambda: repr((headers, body)), _record("http binary", repr(headers))):
        check_http(headers, body)


@FUZZ
@given(
    document=st.dictionaries(_attribute_names | _header_text, _json, max_size=8),
    base=st.fixed_dictionaries(
        {"specversion": st.just("1.0"), "id": _header_text, "source": _header_text}
    ),
)
@example(document={"data_base64": "!!"}, base={"specversion": "1.0", "id": "1", "source": "/s"})
def test_any_structured_document_is_an_event_or_invalid(
    document: dict[str, Any], base: dict[str, Any]
) -> None:
    import json

    body = json.dumps({**base, "type": "com.example.thing", **document}).encode()
    headers = {"content-type": STRUCTURED_CONTENT_TYPE}
    with within_limit(lambda: repr(body[:300]), _record("http structured", body)):
        check_http(headers, body)


@FUZZ
@given(raw=mutated(AMQP_SEEDS))
def test_any_mutated_rabbitmq_message_is_an_event_or_invalid(raw: bytes) -> None:
    parts = amqp_parts(read_message(raw))
    with within_limit(lambda: repr(raw[:300]), _record("amqp mutated", raw)):
        check_amqp(*parts)


# What pika decodes an AMQP field table's values into.
_pika_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.datetimes(timezones=st.just(datetime.UTC))
    | st.binary(max_size=24)
    | _header_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_header_text, inner, max_size=3),
    max_leaves=6,
)


@FUZZ
@given(
    headers=st.dictionaries(_attribute_names | _header_text, _pika_values, max_size=8),
    base=st.fixed_dictionaries(
        {"specversion": st.just("1.0"), "id": _header_text, "source": _header_text}
    ),
    content_type=st.none() | st.sampled_from(["application/json", "text/plain"]) | _header_text,
    body=st.binary(max_size=64),
)
@example(
    headers={"subject": b"\xff"},
    base={"specversion": "1.0", "id": "1", "source": "/s"},
    content_type=None,
    body=b"",
)
@example(
    headers={"subject": '€ "100%"\r\n'},
    base={"specversion": "1.0", "id": "1", "source": "/s"},
    content_type=None,
    body=b"",
)
def test_any_rabbitmq_headers_are_an_event_or_invalid(
    headers: dict[str, Any], base: dict[str, Any], content_type: str | None, body: bytes
) -> None:
    message_headers = {**base, "type": "com.example.thing", **headers}
    with within_limit(lambda: repr(message_headers), _record("amqp headers", repr(headers))):
        check_amqp(message_headers, body, content_type)
