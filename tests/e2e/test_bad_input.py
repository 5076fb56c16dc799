"""Hostile and careless clients on every route, through the gateway on the real servers.

Whatever a client sends, TaskFlow answers a 2xx or a 4xx problem+json: never a 5xx. Each
test walks one route through a bounded list of bad inputs and reports every miss at once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from httpx import AsyncClient, Response
from pydantic import BaseModel

from events.types import TASK_CREATED
from functions.edge import spec_of
from functions.routes import HTTP, ROUTES, Route, load_target
from tests.support import PASSWORD, User, create_project, share_project, signup

MIB = 1024 * 1024
HTTP_ROUTES = [r for r in ROUTES if r.trigger == HTTP]
BODY_ROUTES = [r for r in HTTP_ROUTES if spec_of(load_target(r.target)).body is not None]
QUERY_ROUTES = [r for r in HTTP_ROUTES if spec_of(load_target(r.target)).query is not None]
TEMPLATED_ROUTES = [r for r in HTTP_ROUTES if "{" in r.path]
# A 2xx on these ends or rotates the session the next request would use: start a new one.
SESSION_CHANGING = {"change_password", "refresh", "logout", "update_me"}

# Raw JSON values (not Python ones: NaN, lone surrogates and depth need the exact text).
ABSURD_JSON: dict[str, str] = {
    "huge-int": "1" + "0" * 400,
    "negative-huge-int": "-" + "9" * 30,
    "int64-overflow": str(2**63),
    "int32-overflow": str(2**31),
    "float": "1e308",
    "nan": "NaN",
    "infinity": "-Infinity",
    "string-10k": json.dumps("x" * 10_000),
    "lone-surrogate": '"\\ud800"',
    "bidi-and-emoji": json.dumps("\u202e\U0001f642" * 100),
    "year-99999": '"99999-01-01T00:00:00Z"',
    "year-0": '"0000-01-01T00:00:00Z"',
    "last-instant-west-of-utc": '"9999-12-31T23:59:59-05:00"',
    "first-instant-east-of-utc": '"0001-01-01T00:00:00+05:00"',
    "naive-datetime": '"2030-01-01T00:00:00"',
    "nested-1000": "[" * 1000 + "]" * 1000,
    "null": "null",
    "true": "true",
    "empty-object": "{}",
    "empty-array": "[]",
    "list-of-10k-strings": json.dumps(["x" * 10_000] * 3),
    "list-of-10k-items": json.dumps(["a"] * 10_000),
}
# Already percent-encoded query values.
ABSURD_QUERY: dict[str, str] = {
    "empty": "",
    "string-10k": "x" * 10_000,
    "invalid-utf8": "%FF%FE",
    "huge-int": "9" * 400,
    "negative": "-1",
    "float-overflow": "1e309",
    "nan": "NaN",
    "year-99999": quote("99999-01-01T00:00:00Z"),
    "last-instant-west-of-utc": quote("9999-12-31T23:59:59-05:00"),
    "first-instant-east-of-utc": quote("0001-01-01T00:00:00+05:00"),
    "naive-datetime": quote("2030-01-01T00:00:00"),
    "json-looking": quote('{"$ne": null}'),
    "sql-looking": quote("' OR 1=1 --"),
    "search-syntax": quote("!(&|:*<->)"),
}
# PostgreSQL text cannot hold U+0000: every text field and filter must refuse it up front.
NUL_JSON: dict[str, str] = {
    "string-with-nul": json.dumps("a\u0000b"),
    "list-with-nul": json.dumps(["a\u0000"]),
}
NUL_QUERY: dict[str, str] = {"nul": "%00", "nul-inside": "a%00b"}
NOT_UUIDS = ["not-a-uuid", "0", "x" * 1000, "%00", "00000000-0000-0000-0000-00000000000g", "%FF"]
UNKNOWN_UUID = "5c1b2a3d-0000-4000-8000-000000000000"


@dataclass
class World:
    """A signed-in user with a shared project, a task and a comment to aim requests at."""

    user: User
    member: User
    outsider: User
    project_id: str
    task_id: str
    comment_id: str
    webhook_id: str
    # Another task of the project, for a relation to aim at.
    other_task_id: str

    def path(self, route: Route, **overrides: str) -> str:
        values = {
            "project_id": self.project_id,
            "task_id": self.task_id,
            "user_id": str(self.member.id),
            "comment_id": self.comment_id,
            "webhook_id": self.webhook_id,
            "event_type": TASK_CREATED,
            **overrides,
        }
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        return path


async def build_world(api: AsyncClient) -> World:
    user = await signup(api, "hostile")
    member = await signup(api, "member")
    outsider = await signup(api, "outsider")
    project = await create_project(api, user, "Target practice")
    await share_project(api, user, project["id"], member)
    task = await api.post(
        "/api/tasks", json={"project_id": project["id"], "title": "Aim here"}, headers=user.headers
    )
    assert task.status_code == 201, task.text
    other = await api.post(
        "/api/tasks", json={"project_id": project["id"], "title": "And here"}, headers=user.headers
    )
    assert other.status_code == 201, other.text
    comment = await api.post(
        f"/api/tasks/{task.json()['id']}/comments", json={"body": "Hi"}, headers=user.headers
    )
    assert comment.status_code == 201, comment.text
    webhook = await api.post(
        "/api/notifications/webhooks", json={"url": PUBLIC_WEBHOOK}, headers=user.headers
    )
    assert webhook.status_code == 201, webhook.text
    return World(
        user,
        member,
        outsider,
        project["id"],
        task.json()["id"],
        comment.json()["id"],
        webhook.json()["id"],
        other.json()["id"],
    )


# A valid body for each request model, so that one bad field at a time is what a request gets
# wrong. Fields left out here (a TaskUpdate's `version`, which would turn every later change
# into a 409 before it reaches the UPDATE) are still corrupted, one at a time, on their own.
# A literal public address: valid outside dev, and checked without a DNS lookup.
PUBLIC_WEBHOOK = "https://93.184.215.14/taskflow-hook"

VALID_BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "RegisterRequest": lambda w: {
        "email": f"new-{secrets.token_hex(6)}@example.com",
        "password": PASSWORD,
        "display_name": "New",
    },
    "LoginRequest": lambda w: {"email": w.user.email, "password": PASSWORD},
    "RefreshRequest": lambda w: {"refresh_token": w.user.refresh_token},
    "UserUpdate": lambda w: {
        "display_name": "Renamed",
        "email": f"renamed-{secrets.token_hex(6)}@example.com",
    },
    "PasswordChange": lambda w: {
        "current_password": PASSWORD,
        "new_password": "another long password",
    },
    "ProjectCreate": lambda w: {"name": "Another", "description": "More"},
    "ProjectUpdate": lambda w: {"name": "Renamed", "description": "Changed"},
    "MemberAdd": lambda w: {"email": w.outsider.email, "role": "viewer"},
    "MemberUpdate": lambda w: {"role": "viewer"},
    "TaskCreate": lambda w: {
        "project_id": w.project_id,
        "title": "Valid",
        "description": "Fine",
        "status": "todo",
        "priority": "high",
        "due_at": "2030-01-01T09:00:00+01:00",
        "labels": ["one"],
        "assignee_id": str(w.user.id),
    },
    "TaskUpdate": lambda w: {
        "title": "Changed",
        "description": "Changed",
        "status": "in_progress",
        "priority": "low",
        "due_at": "2031-01-01T09:00:00Z",
        "labels": ["two"],
        "assignee_id": str(w.member.id),
    },
    "TaskBulkUpdate": lambda w: {
        "ids": [w.task_id],
        "set": {
            "status": "review",
            "priority": "urgent",
            "assignee_id": str(w.user.id),
            "due_at": "2032-01-01T00:00:00Z",
            "labels": ["three"],
        },
    },
    "CommentCreate": lambda w: {"body": "Valid comment"},
    "CommentUpdate": lambda w: {"body": "Edited comment"},
    "ProjectSubscription": lambda w: {"new_tasks": True},
    "MarkRead": lambda w: {"all": True},
    "PreferencesUpdate": lambda w: {
        "email_enabled": True,
        "email_kinds": {"task.assigned": True},
        "default_reminders": [15, 60],
    },
    "ReminderCreate": lambda w: {"offset_minutes": 15},
    "WebhookCreate": lambda w: {"url": PUBLIC_WEBHOOK, "description": "Valid"},
    "CalendarFeedCreate": lambda w: {"name": "Valid feed"},
    "PersonalTokenCreate": lambda w: {"name": "Valid token", "scopes": ["tasks:read"]},
    "PasswordResetRequest": lambda w: {"email": w.user.email},
    "PasswordResetComplete": lambda w: {
        "token": secrets.token_urlsafe(32),
        "password": "another long password",
    },
    "EmailVerification": lambda w: {"token": secrets.token_urlsafe(32)},
    "RelationCreate": lambda w: {"kind": "blocks", "task_id": w.other_task_id},
    "AttachmentCreate": lambda w: {
        "filename": "plan.pdf",
        "content_type": "application/pdf",
        "size": 1024,
    },
}


def _body_type(route: Route) -> type[BaseModel]:
    body = spec_of(load_target(route.target)).body
    assert body is not None
    return body


def _body_model(route: Route) -> str:
    return _body_type(route).__name__


def _raw_object(fields: dict[str, str]) -> bytes:
    """A JSON object from already-encoded values."""
    return ("{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in fields.items()) + "}").encode()


def _encoded(body: dict[str, Any]) -> dict[str, str]:
    return {name: json.dumps(value) for name, value in body.items()}


@dataclass
class Misses:
    """Every answer that broke the rules, reported together."""

    found: list[str] = field(default_factory=list)

    def check(self, what: str, response: Response, expected: int | None = None) -> None:
        status = response.status_code
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if status >= 500:
            self.found.append(f"{what}: {status} {response.text[:300]}")
        elif expected is not None and status != expected:
            self.found.append(f"{what}: expected {expected}, got {status} {response.text[:200]}")
        elif 400 <= status < 500 and not problem:
            self.found.append(f"{what}: {status} without problem+json")

    def assert_none(self) -> None:
        assert self.found == [], f"{len(self.found)} bad answers:\n" + "\n".join(self.found)


def _route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


@pytest.fixture
async def world(api: AsyncClient) -> World:
    return await build_world(api)


def test_every_request_model_has_a_valid_example_to_corrupt() -> None:
    assert sorted({_body_model(r) for r in BODY_ROUTES}) == sorted(VALID_BODIES)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=_route_id)
async def test_bodies_that_are_not_a_json_object_are_refused(
    api: AsyncClient, world: World, route: Route
) -> None:
    misses = Misses()
    url, headers = world.path(route), world.user.headers
    as_json = {**headers, "Content-Type": "application/json"}
    cases: list[tuple[str, bytes, dict[str, str], int]] = [
        ("malformed", b'{"a": ', as_json, 400),
        ("trailing garbage", b"{} {}", as_json, 400),
        ("invalid utf-8", b'{"a": "\xff\xfe"}', as_json, 400),
        ("utf-16", "{}".encode("utf-16"), as_json, 400),
        ("nested 1000 deep", b"[" * 1000 + b"]" * 1000, as_json, 400),
        ("array", b"[]", as_json, 422),
        ("number", b"42", as_json, 422),
        ("null", b"null", as_json, 422),
        ("string", b'"{}"', as_json, 422),
        ("text/plain", b"{}", {**headers, "Content-Type": "text/plain"}, 415),
        ("form", b"a=1", {**headers, "Content-Type": "application/x-www-form-urlencoded"}, 415),
        (
            "multipart",
            b"--x--",
            {**headers, "Content-Type": "multipart/form-data; boundary=x"},
            415,
        ),
    ]
    for what, content, sent_headers, expected in cases:
        response = await api.request(route.method, url, content=content, headers=sent_headers)
        misses.check(what, response, expected)

    body = VALID_BODIES[_body_model(route)](world)
    unknown = await api.request(
        route.method,
        url,
        content=_raw_object({**_encoded(body), "is_admin": "true"}),
        headers=as_json,
    )
    misses.check("unknown field", unknown, 422)
    if unknown.status_code == 422:
        assert ["is_admin"] in [e["loc"] for e in unknown.json().get("errors", [])]
    misses.assert_none()


@pytest.mark.parametrize("route", BODY_ROUTES, ids=_route_id)
async def test_a_body_over_one_mebibyte_is_refused_with_or_without_a_length(
    api: AsyncClient, world: World, route: Route
) -> None:
    misses = Misses()
    headers = {**world.user.headers, "Content-Type": "application/json"}
    oversized = b'{"title": "' + b"x" * MIB + b'"}'
    declared = await api.request(
        route.method, world.path(route), content=oversized, headers=headers
    )
    misses.check("with Content-Length", declared, 413)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "'
        for _ in range(17):
            yield b"x" * (64 * 1024)
        yield b'"}'

    streamed = await api.request(route.method, world.path(route), content=chunks(), headers=headers)
    assert "content-length" not in streamed.request.headers
    misses.check("chunked", streamed, 413)
    misses.assert_none()


async def _corrupt_each_field(
    api: AsyncClient, route: Route, values: dict[str, str], misses: Misses
) -> None:
    """Send the route's valid body with one field at a time set to each of `values`."""
    world = await build_world(api)
    model = _body_model(route)
    base = VALID_BODIES[model](world)
    # Every field of the model, and the fields of a nested object (the bulk update's `set`).
    targets: list[tuple[str, ...]] = [(name,) for name in _body_type(route).model_fields]
    targets += [(n, inner) for n, v in base.items() if isinstance(v, dict) for inner in v]
    for target in targets:
        for what, raw in values.items():
            fields = _encoded(VALID_BODIES[model](world))
            if len(target) == 1:
                fields[target[0]] = raw
            else:
                inner = _encoded(base[target[0]])
                inner[target[1]] = raw
                fields[target[0]] = _raw_object(inner).decode()
            response = await api.request(
                route.method,
                world.path(route),
                content=_raw_object(fields),
                headers={"Content-Type": "application/json", **world.user.headers},
            )
            misses.check(f"{route.method} {route.path} {'.'.join(target)} = {what}", response)
            if response.is_success and route.target in SESSION_CHANGING:
                world = await build_world(api)


async def _corrupt_each_parameter(
    api: AsyncClient, world: World, route: Route, values: dict[str, str], misses: Misses
) -> None:
    query = spec_of(load_target(route.target)).query
    assert query is not None
    for name in query.model_fields:
        for what, value in values.items():
            url = f"{world.path(route)}?{name}={value}"
            response = await api.get(url, headers=world.user.headers)
            misses.check(f"GET {route.path} {name} = {what}", response)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=_route_id)
async def test_absurd_field_values_never_break_the_server(api: AsyncClient, route: Route) -> None:
    misses = Misses()
    await _corrupt_each_field(api, route, ABSURD_JSON, misses)
    misses.assert_none()


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=_route_id)
async def test_absurd_query_values_never_break_the_server(
    api: AsyncClient, world: World, route: Route
) -> None:
    misses = Misses()
    await _corrupt_each_parameter(api, world, route, ABSURD_QUERY, misses)
    query = spec_of(load_target(route.target)).query
    assert query is not None
    for name in query.model_fields:
        repeated = "&".join(f"{name}=a" for _ in range(1000))
        response = await api.get(f"{world.path(route)}?{repeated}", headers=world.user.headers)
        misses.check(f"{name} repeated 1000 times", response)
    unknown = await api.get(f"{world.path(route)}?is_admin=true", headers=world.user.headers)
    misses.check("unknown parameter", unknown, 422)
    misses.assert_none()


async def test_text_with_a_nul_character_is_refused_rather_than_a_server_error(
    api: AsyncClient, world: World
) -> None:
    misses = Misses()
    for route in BODY_ROUTES:
        await _corrupt_each_field(api, route, NUL_JSON, misses)
    for route in QUERY_ROUTES:
        await _corrupt_each_parameter(api, world, route, NUL_QUERY, misses)
    misses.assert_none()


@pytest.mark.parametrize("route", TEMPLATED_ROUTES, ids=_route_id)
async def test_a_path_id_that_is_not_a_uuid_or_not_there_is_not_found(
    api: AsyncClient, world: World, route: Route
) -> None:
    misses = Misses()
    spec = spec_of(load_target(route.target))
    body = VALID_BODIES[spec.body.__name__](world) if spec.body else None
    for name in (
        "project_id",
        "task_id",
        "user_id",
        "comment_id",
        "webhook_id",
        "feed_id",
        "token_id",
        "attachment_id",
    ):
        if "{" + name + "}" not in route.path:
            continue
        for bad in [*NOT_UUIDS, UNKNOWN_UUID]:
            response = await api.request(
                route.method,
                world.path(route, **{name: bad}),
                json=body,
                headers=world.user.headers,
            )
            misses.check(f"{name} = {bad[:40]}", response, 404)
    misses.assert_none()


async def test_paths_and_methods_outside_the_table_are_problems_too(
    api: AsyncClient, world: World
) -> None:
    misses = Misses()
    misses.check("unknown path", await api.get("/api/nothing-here"), 404)
    misses.check("unknown nested path", await api.get(f"/api/tasks/{world.task_id}/nope"), 404)
    for path in sorted({world.path(r) for r in HTTP_ROUTES}):
        taken = {r.method for r in HTTP_ROUTES if world.path(r) == path}
        method = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in taken)
        answer = await api.request(method, path, json={}, headers=world.user.headers)
        misses.check(f"{method} {path}", answer, 405)
    misses.assert_none()
