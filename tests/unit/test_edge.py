"""The edge every function shares, driven through an in-process app with handlers of our own.

`@endpoint` only wraps names from the route table, so the handlers below borrow target names;
they are served at those targets' public paths, as every mode of TaskFlow serves them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.applications import Starlette
from starlette.routing import Route

from functions.core import runtime
from functions.core.errors import Conflict, NotFound, RateLimited, Unauthenticated
from functions.core.models.common import DEFAULT_PAGE, MAX_PAGE, PageLimit, Strict
from functions.core.security.keys import new_private_key_pem
from functions.core.security.tokens import issue_access_token
from functions.edge import PROBLEM_JSON, Call, Reply, endpoint, problem, spec_of
from tests.conftest import make_test_settings
from tests.support import assert_problem

BODY_LIMIT = 1024
TASK_ID = uuid.UUID("0b5a3c9e-6f7d-4a61-9d0e-2f1b7c8a9e10")


class Filters(Strict):
    status: list[str] | None = None
    label: str | None = None
    limit: PageLimit = DEFAULT_PAGE


class Note(Strict):
    title: str
    count: int = 0


class Seen(BaseModel):
    value: str


@endpoint(query=Filters, response=Filters, auth=False)
async def list_tasks(call: Call[None, Filters]) -> Filters:
    return call.query


@endpoint(body=Note, response=Note, status=201, auth=False)
async def create_task(call: Call[Note, None]) -> Note:
    return call.body


@endpoint(body=Note, response=Note, auth=False, body_optional=True)
async def refresh(call: Call[Note | None, None]) -> Note:
    return call.body or Note(title="no body")


@endpoint(response=Note, auth=False)
async def login(call: Call[None, None]) -> Reply:
    return Reply(
        Note(title="signed in"),
        headers={"Cache-Control": "no-store"},
        cookies=[
            {
                "key": "taskflow_refresh",
                "value": "opaque",
                "max_age": 60,
                "path": "/api/auth",
                "httponly": True,
                "samesite": "strict",
                "secure": True,
            }
        ],
    )


@endpoint(auth=False)
async def delete_task(call: Call[None, None]) -> None:
    call.path_uuid("task_id")


@endpoint(auth=False)
async def bulk_update_tasks(call: Call[None, None]) -> Reply:
    return Reply(None, status=202)


@endpoint(response=Seen, auth=False)
async def get_task(call: Call[None, None]) -> Seen:
    return Seen(value=str(call.path_uuid("task_id")))


ERRORS: dict[str, Exception] = {
    "conflict": Conflict("the task changed since you read it", current_version=3),
    "missing": NotFound("no such task"),
    "throttled": RateLimited("slow down", retry_after=17),
    "signed-out": Unauthenticated("this session has ended"),
    "bug": ZeroDivisionError("secret internals"),
    "redis-down": RedisConnectionError("connection refused"),
}


@endpoint(auth=False)
async def update_task(call: Call[None, None]) -> None:
    raise ERRORS[call.request.query_params["error"]]


@endpoint(response=Seen)
async def get_me(call: Call[None, None]) -> Seen:
    return Seen(value=str(call.user.user_id))


@endpoint(response=Seen, auth=False)
async def get_project(call: Call[None, None]) -> Seen:
    return Seen(value=call.client_address)


HANDLERS = [
    ("GET", "/api/tasks", list_tasks),
    ("POST", "/api/tasks", create_task),
    ("POST", "/api/auth/refresh", refresh),
    ("POST", "/api/auth/login", login),
    ("DELETE", "/api/tasks/{task_id}", delete_task),
    ("POST", "/api/tasks/bulk", bulk_update_tasks),
    ("GET", "/api/tasks/{task_id}", get_task),
    ("PATCH", "/api/tasks/{task_id}", update_task),
    ("GET", "/api/auth/me", get_me),
    ("GET", "/api/projects/{project_id}", get_project),
]


async def _serve(settings_overrides: dict[str, Any], tmp_path: Path) -> AsyncIterator[AsyncClient]:
    # Embedded settings: the Redis stand-in lives in this process, keys come from the PEM.
    settings = make_test_settings(
        env="dev",
        data_dir=tmp_path,
        max_body_bytes=BODY_LIMIT,
        jwt_private_key=new_private_key_pem().decode(),
        **settings_overrides,
    )
    rt = runtime.Runtime(settings)
    previous = runtime.install(rt)
    app = Starlette(routes=[Route(p, f, methods=[m]) for m, p, f in HANDLERS])
    transport = ASGITransport(app=app, client=("198.51.100.4", 40000))
    try:
        async with AsyncClient(transport=transport, base_url="http://edge.test") as client:
            yield client
    finally:
        await rt.close()
        runtime.install(previous)


@pytest.fixture
async def edge(tmp_path: Path) -> AsyncIterator[AsyncClient]:
    async for client in _serve({}, tmp_path):
        yield client


# Query strings


async def test_a_list_parameter_collects_every_repetition(edge: AsyncClient) -> None:
    response = await edge.get("/api/tasks", params=[("status", "todo"), ("status", "done")])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == ["todo", "done"]


async def test_a_list_parameter_given_once_is_a_list_of_one(edge: AsyncClient) -> None:
    response = await edge.get("/api/tasks", params={"status": "todo"})
    assert response.json()["status"] == ["todo"]


async def test_a_single_valued_parameter_given_twice_is_refused(edge: AsyncClient) -> None:
    response = await edge.get("/api/tasks", params=[("label", "a"), ("label", "b")])
    body = assert_problem(response, 422)
    assert [e["loc"] for e in body["errors"]] == [["label"]]


async def test_an_unknown_query_parameter_is_refused_not_ignored(edge: AsyncClient) -> None:
    response = await edge.get("/api/tasks", params={"colour": "red"})
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["colour"]
    assert body["detail"] == "the query string does not match the schema"


@pytest.mark.parametrize(
    ("given", "used"),
    [("0", 1), ("-5", 1), ("1", 1), ("37", 37), (str(MAX_PAGE + 1), MAX_PAGE), ("10" * 20, 100)],
)
async def test_a_page_limit_is_clamped_into_range(edge: AsyncClient, given: str, used: int) -> None:
    response = await edge.get("/api/tasks", params={"limit": given})
    assert response.status_code == 200, response.text
    assert response.json()["limit"] == used


async def test_without_a_limit_a_page_has_the_default_size(edge: AsyncClient) -> None:
    assert (await edge.get("/api/tasks")).json()["limit"] == DEFAULT_PAGE


@pytest.mark.parametrize("given", ["ten", "1.5", "1e3", "", "9" * 5000])
async def test_a_limit_that_is_not_an_integer_is_refused(edge: AsyncClient, given: str) -> None:
    body = assert_problem(await edge.get("/api/tasks", params={"limit": given}), 422)
    assert body["errors"][0]["loc"] == ["limit"]


# Bodies


async def test_a_valid_json_body_reaches_the_handler(edge: AsyncClient) -> None:
    response = await edge.post("/api/tasks", json={"title": "write tests", "count": 2})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"title": "write tests", "count": 2}


async def test_any_json_media_type_is_accepted(edge: AsyncClient) -> None:
    response = await edge.post(
        "/api/tasks",
        content=b'{"title": "x"}',
        headers={"Content-Type": "application/merge-patch+json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    edge: AsyncClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await edge.post("/api/tasks", content=b'{"title": "x"}', headers=headers)
    assert_problem(response, 415)


@pytest.mark.parametrize(
    "raw",
    [b"{", b"", b"\xff\xfe{}", b'{"title": "\xc3\x28"}', b"[" * 500 + b"]" * 500],
    ids=["truncated", "empty", "not-utf8", "bad-utf8-in-string", "nested-500"],
)
async def test_a_body_that_does_not_parse_is_malformed(edge: AsyncClient, raw: bytes) -> None:
    response = await edge.post(
        "/api/tasks", content=raw, headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 400)
    assert body["title"] == "Malformed JSON"


@pytest.mark.parametrize("raw", [b"[]", b"42", b"null", b'"text"', b'{"title": NaN}'])
async def test_json_of_the_wrong_shape_is_invalid_input(edge: AsyncClient, raw: bytes) -> None:
    response = await edge.post(
        "/api/tasks", content=raw, headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 422)
    assert body["errors"]


async def test_an_unknown_body_field_is_refused_and_named(edge: AsyncClient) -> None:
    response = await edge.post("/api/tasks", json={"title": "x", "owner": "me"})
    body = assert_problem(response, 422)
    assert body["errors"] == [
        {"loc": ["owner"], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
    ]


async def test_validation_errors_never_echo_the_input(edge: AsyncClient) -> None:
    response = await edge.post("/api/tasks", json={"title": "x", "count": "s3cr3t-value"})
    assert "s3cr3t-value" not in response.text


async def test_a_body_over_the_limit_is_refused_from_its_declared_length(edge: AsyncClient) -> None:
    payload = json.dumps({"title": "x" * BODY_LIMIT}).encode()
    response = await edge.post(
        "/api/tasks", content=payload, headers={"Content-Type": "application/json"}
    )
    assert response.request.headers["content-length"] == str(len(payload))
    assert assert_problem(response, 413)["detail"] == f"bodies are limited to {BODY_LIMIT} bytes"


async def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(edge: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "'
        for _ in range(BODY_LIMIT // 64 + 1):
            yield b"x" * 64
        yield b'"}'

    response = await edge.post(
        "/api/tasks", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


# b"\xb2" reads as "²" (headers are Latin-1), which str.isdigit takes; 5000 digits are more
# than int() parses.
@pytest.mark.parametrize("declared", [b"-1", b"abc", b"1e9", b"\xb2", b"9" * 5000])
async def test_a_content_length_that_is_not_a_size_is_refused(
    edge: AsyncClient, declared: bytes
) -> None:
    response = await edge.post(
        "/api/tasks",
        content=b'{"title": "x"}',
        headers={"Content-Type": "application/json", "Content-Length": declared},
    )
    assert_problem(response, 413)


async def test_an_optional_body_may_be_left_out(edge: AsyncClient) -> None:
    response = await edge.post("/api/auth/refresh")
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "no body"


async def test_an_optional_body_that_is_sent_is_still_validated(edge: AsyncClient) -> None:
    assert_problem(await edge.post("/api/auth/refresh", json={"nope": 1}), 422)
    ok = await edge.post("/api/auth/refresh", json={"title": "mine"})
    assert ok.json()["title"] == "mine"


# Answers


async def test_a_reply_sets_its_headers_and_cookies(edge: AsyncClient) -> None:
    response = await edge.post("/api/auth/login")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("taskflow_refresh=opaque;")
    for attribute in ("HttpOnly", "Max-Age=60", "Path=/api/auth", "SameSite=strict", "Secure"):
        assert attribute in cookie


async def test_a_handler_that_returns_nothing_answers_204_without_a_body(
    edge: AsyncClient,
) -> None:
    response = await edge.delete(f"/api/tasks/{TASK_ID}")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers


async def test_a_reply_without_a_body_keeps_its_own_status(edge: AsyncClient) -> None:
    response = await edge.post("/api/tasks/bulk")
    assert response.status_code == 202
    assert response.content == b""


async def test_path_parameters_are_read_from_the_route_template(edge: AsyncClient) -> None:
    response = await edge.get(f"/api/tasks/{TASK_ID}")
    assert response.json() == {"value": str(TASK_ID)}


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "stats", "x" * 1000, "%00"])
async def test_a_path_id_that_is_not_a_uuid_is_simply_not_found(
    edge: AsyncClient, bad_id: str
) -> None:
    body = assert_problem(await edge.get(f"/api/tasks/{bad_id}"), 404)
    assert body["detail"] == "no such task"


# Problems


def test_a_problem_is_rfc_9457_json_with_its_own_media_type() -> None:
    response = problem(404, "Not found", "no such task", instance="/api/tasks/1", hint="check")
    assert response.status_code == 404
    assert response.media_type == PROBLEM_JSON
    assert json.loads(bytes(response.body)) == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "no such task",
        "instance": "/api/tasks/1",
        "hint": "check",
    }


def test_a_problem_leaves_out_empty_detail_and_instance() -> None:
    body = json.loads(bytes(problem(400, "Bad request").body))
    assert body == {"type": "about:blank", "title": "Bad request", "status": 400}


async def test_a_domain_error_becomes_its_status_with_its_extras(edge: AsyncClient) -> None:
    response = await edge.patch(f"/api/tasks/{TASK_ID}", params={"error": "conflict"})
    body = assert_problem(response, 409)
    assert body == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "the task changed since you read it",
        "instance": f"/api/tasks/{TASK_ID}",
        "current_version": 3,
    }


async def test_a_rate_limit_tells_the_client_when_to_retry(edge: AsyncClient) -> None:
    response = await edge.patch(f"/api/tasks/{TASK_ID}", params={"error": "throttled"})
    assert assert_problem(response, 429)["retry_after"] == 17
    assert response.headers["retry-after"] == "17"


async def test_an_authentication_failure_names_the_scheme_to_use(edge: AsyncClient) -> None:
    response = await edge.patch(f"/api/tasks/{TASK_ID}", params={"error": "signed-out"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="taskflow"'


async def test_an_unexpected_error_is_a_500_problem_that_reveals_nothing(
    edge: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await edge.patch(f"/api/tasks/{TASK_ID}", params={"error": "bug"})
    body = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert "detail" not in body
    assert "secret internals" in caplog.text  # the operator still sees it in the log


async def test_a_dependency_that_is_down_is_a_503_to_retry(edge: AsyncClient) -> None:
    response = await edge.patch(f"/api/tasks/{TASK_ID}", params={"error": "redis-down"})
    assert assert_problem(response, 503)["detail"] == "try again shortly"


# Authentication


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer not.a.jwt"],
)
async def test_a_missing_or_malformed_bearer_token_is_unauthenticated(
    edge: AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await edge.get("/api/auth/me", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="taskflow"'


async def test_a_valid_token_tells_the_handler_who_is_calling(edge: AsyncClient) -> None:
    rt = runtime.current()
    user_id = uuid.uuid4()
    token = issue_access_token(
        rt.keys,
        user_id=user_id,
        issuer=rt.settings.jwt_issuer,
        audience=rt.settings.jwt_audience,
        ttl_seconds=60,
    )
    for scheme in ("Bearer", "bearer"):
        response = await edge.get(
            "/api/auth/me", headers={"Authorization": f"{scheme} {token.token}"}
        )
        assert response.json() == {"value": str(user_id)}


async def test_a_token_for_another_audience_is_refused(edge: AsyncClient) -> None:
    rt = runtime.current()
    token = issue_access_token(
        rt.keys, user_id=uuid.uuid4(), issuer="taskflow", audience="someone-else", ttl_seconds=60
    )
    response = await edge.get("/api/auth/me", headers={"Authorization": f"Bearer {token.token}"})
    assert_problem(response, 401)


def test_the_endpoint_records_what_the_gateway_documents() -> None:
    spec = spec_of(create_task)
    assert (spec.body, spec.query, spec.response, spec.status, spec.auth) == (
        Note,
        None,
        Note,
        201,
        False,
    )
    assert spec_of(get_me).auth


def test_only_route_table_names_can_become_endpoints() -> None:
    async def not_a_route(call: Call[None, None]) -> None:
        return None

    with pytest.raises(LookupError, match="not_a_route is not in the route table"):
        endpoint()(not_a_route)


# Client address


async def test_a_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted(
    edge: AsyncClient,
) -> None:
    response = await edge.get(f"/api/projects/{TASK_ID}", headers={"X-Forwarded-For": "192.0.2.1"})
    assert response.json() == {"value": "198.51.100.4"}


async def test_behind_a_trusted_proxy_the_client_is_the_last_hop_it_appended(
    tmp_path: Path,
) -> None:
    async for client in _serve({"trust_forwarded_for": True}, tmp_path):
        response = await client.get(
            f"/api/projects/{TASK_ID}",
            headers={"X-Forwarded-For": "10.9.9.9, 192.0.2.1, 203.0.113.50"},
        )
        assert response.json() == {"value": "203.0.113.50"}
