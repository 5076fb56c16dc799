"""The route table: every target exists, nothing is declared twice, templates parse ids."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import Match
from starlette.types import Scope

from events.types import PRODUCED_TYPES
from functions.core import runtime
from functions.edge import spec_of
from functions.gateway import create_app
from functions.routes import (
    EVENT,
    HTTP,
    ROUTES,
    SCHEDULE,
    Route,
    load_target,
    routes_for,
    subscriptions,
    targets,
)
from tests.conftest import make_test_settings

TASK_ID = "0b5a3c9e-6f7d-4a61-9d0e-2f1b7c8a9e10"
PROJECT_ID = "6c2f1e0a-1b3d-4e5f-8a9b-0c1d2e3f4a5b"
HTTP_ROUTES = [r for r in ROUTES if r.trigger == HTTP]


def _route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


@pytest.mark.parametrize("route", ROUTES, ids=_route_id)
def test_every_route_target_is_a_function_defined_in_its_module(route: Route) -> None:
    module = importlib.import_module(route.module)
    function = getattr(module, route.target)
    assert callable(function)
    assert load_target(route.target) is function
    if route.trigger == EVENT:
        # A CloudEvent sink takes exactly the types its trigger subscribes to.
        assert function.__taskflow_sink__ == frozenset(route.subscribes)
        assert route.schedule is None
    else:
        assert spec_of(function).status in range(200, 300)
        assert route.subscribes == ()
        assert (route.schedule is not None) == (route.trigger == SCHEDULE)


def test_every_event_taskflow_produces_has_a_subscriber_and_every_subscription_is_produced() -> (
    None
):
    subscribed = {t for types in subscriptions().values() for t in types}
    assert subscribed == set(PRODUCED_TYPES)
    assert set(subscriptions()) == {
        "deliver_notification",
        "send_webhooks",
        "send_email",
        "publish_change",
        "record_activity",
        "delete_attachment_objects",
        "refresh_calendars",
        "send_account_mail",
        "run_import",
    }


def test_method_and_path_pairs_are_unique() -> None:
    pairs = Counter((r.method, r.path) for r in ROUTES)
    assert [pair for pair, count in pairs.items() if count > 1] == []


def test_a_target_name_belongs_to_one_module_only() -> None:
    # targets() keeps the last module per name, so a name shared by two modules would hide one.
    modules_by_target: dict[str, set[str]] = {}
    for route in ROUTES:
        modules_by_target.setdefault(route.target, set()).add(route.module)
    assert {t: m for t, m in modules_by_target.items() if len(m) > 1} == {}
    assert targets() == {t: next(iter(m)) for t, m in modules_by_target.items()}


def test_every_method_is_an_http_method_and_every_path_is_absolute() -> None:
    for route in ROUTES:
        assert route.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}, route
        assert route.path.startswith("/"), route
        assert not route.path.endswith("/"), route


def test_an_unknown_target_is_an_attribute_error_as_functions_framework_expects() -> None:
    # functions-framework asks hasattr(main, target): only AttributeError reads as "missing".
    with pytest.raises(AttributeError, match="no TaskFlow function named 'nope'"):
        load_target("nope")


def test_routes_for_a_target_lists_each_of_its_paths() -> None:
    assert [r.path for r in routes_for("jwks")] == ["/api/auth/jwks", "/.well-known/jwks.json"]
    assert routes_for("nope") == ()


def test_a_template_parses_each_path_parameter() -> None:
    route = next(r for r in ROUTES if r.target == "change_member_role")
    user_id = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert route.match(f"/api/projects/{PROJECT_ID}/members/{user_id}") == {
        "project_id": PROJECT_ID,
        "user_id": user_id,
    }


def test_a_template_matches_the_whole_path_and_one_segment_per_parameter() -> None:
    route = next(r for r in ROUTES if r.target == "get_task")
    assert route.match(f"/api/tasks/{TASK_ID}") == {"task_id": TASK_ID}
    assert route.match(f"/api/tasks/{TASK_ID}/comments") is None
    assert route.match(f"/api/tasks/{TASK_ID}/") is None
    assert route.match(f"/prefix/api/tasks/{TASK_ID}") is None
    assert route.match("/api/tasks/") is None


def test_a_template_takes_any_segment_and_leaves_validating_it_to_the_handler() -> None:
    route = next(r for r in ROUTES if r.target == "get_task")
    assert route.match("/api/tasks/not-a-uuid") == {"task_id": "not-a-uuid"}


def test_literal_characters_in_a_template_are_not_regex_syntax() -> None:
    route = next(r for r in ROUTES if r.path == "/.well-known/jwks.json")
    assert route.match("/.well-known/jwks.json") == {}
    assert route.match("/x-well-known/jwksxjson") is None


@pytest.fixture
def gateway_routes(tmp_path: Path) -> Iterator[list[object]]:
    """The gateway's own route list (building it does no I/O: clients are made on first use)."""
    previous = runtime.install(None)
    try:
        app = create_app(runtime.Runtime(make_test_settings(env="dev", data_dir=tmp_path)))
        yield list(app.router.routes)
    finally:
        runtime.install(previous)


def _answering_route(routes: list[object], method: str, path: str) -> str | None:
    """The name of the gateway route Starlette picks for this request, as it would serve it."""
    scope: Scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in routes:
        match, _ = route.matches(scope)  # type: ignore[attr-defined]
        if match == Match.FULL:
            return str(route.name)  # type: ignore[attr-defined]
    return None


@pytest.mark.parametrize(
    ("method", "path", "target"),
    [
        ("GET", "/api/tasks/stats", "task_stats"),
        ("POST", "/api/tasks/bulk", "bulk_update_tasks"),
        ("GET", f"/api/tasks/{TASK_ID}", "get_task"),
        ("GET", "/api/tasks", "list_tasks"),
        ("GET", f"/api/tasks/{TASK_ID}/comments", "list_comments"),
        ("GET", "/.well-known/jwks.json", "jwks"),
    ],
)
def test_the_gateway_sends_literal_paths_to_their_own_function_not_to_a_template(
    gateway_routes: list[object], method: str, path: str, target: str
) -> None:
    assert _answering_route(gateway_routes, method, path) == f"{target} {path}".replace(
        TASK_ID, "{task_id}"
    )


@pytest.mark.parametrize("route", HTTP_ROUTES, ids=_route_id)
def test_the_gateway_mounts_every_route_at_its_public_path(
    gateway_routes: list[object], route: Route
) -> None:
    concrete = route.path.replace("{project_id}", PROJECT_ID).replace("{task_id}", TASK_ID)
    concrete = concrete.replace("{user_id}", TASK_ID).replace("{comment_id}", TASK_ID)
    assert _answering_route(gateway_routes, route.method, concrete) == (
        f"{route.target} {route.path}"
    )


def test_every_authenticated_public_route_decides_what_a_personal_token_needs() -> None:
    """A scope of functions.core.models.personal_tokens, or None (sessions only): never left
    undecided, and never a scope on a route that takes no token."""
    from typing import get_args

    from functions.core.models.personal_tokens import Scope
    from functions.routes import NO_SCOPE_DECISION, SCOPES

    assert set(SCOPES) == set(get_args(Scope))
    undecided, unknown, needless = [], [], []
    for route in HTTP_ROUTES:
        authenticated = spec_of(load_target(route.target)).auth
        if authenticated and route.scope == NO_SCOPE_DECISION:
            undecided.append(_route_id(route))
        elif route.scope and route.scope not in SCOPES:
            unknown.append(_route_id(route))
        elif not authenticated and route.scope:
            needless.append(_route_id(route))
    assert (undecided, unknown, needless) == ([], [], [])


def test_tokens_cannot_manage_tokens_the_password_or_the_profile() -> None:
    session_only = {
        ("POST", "/api/auth/tokens"),
        ("GET", "/api/auth/tokens"),
        ("DELETE", "/api/auth/tokens/{token_id}"),
        ("POST", "/api/auth/password"),
        ("PATCH", "/api/auth/me"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/calendar/feeds"),
        ("PUT", "/api/notifications/preferences"),
        ("POST", "/api/notifications/webhooks"),
    }
    scopes = {(r.method, r.path): r.scope for r in HTTP_ROUTES}
    assert {route: scopes[route] for route in session_only} == dict.fromkeys(session_only)
    assert scopes[("POST", "/api/tasks")] == "tasks:write"
    assert scopes[("GET", "/api/tasks")] == "tasks:read"
    assert scopes[("POST", "/api/events")] == "events:write"
    assert scopes[("GET", "/api/notifications/stream")] == "notifications:read"
