"""Every target in the route table loads in functions-framework and guards itself."""

from __future__ import annotations

import pytest
from httpx import ASGITransport, AsyncClient

from functions.edge import spec_of
from functions.routes import HTTP, ROUTES, Route, load_target
from tests.functions.conftest import load_function
from tests.support import assert_problem

SOME_ID = "0b5a3c9e-6f7d-4a61-9d0e-2f1b7c8a9e10"
HTTP_ROUTES = [r for r in ROUTES if r.trigger == HTTP]
SIGNED_IN_ROUTES = [r for r in HTTP_ROUTES if spec_of(load_target(r.target)).auth]


def _public_path(route: Route) -> str:
    path = route.path
    for name in ("project_id", "user_id", "task_id", "comment_id"):
        path = path.replace("{" + name + "}", SOME_ID)
    return path


def _route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


@pytest.mark.parametrize("route", HTTP_ROUTES, ids=_route_id)
@pytest.mark.usefixtures("framework_state", "pg_function_runtime")
async def test_functions_framework_loads_the_target_and_it_answers_at_its_public_path(
    route: Route,
) -> None:
    app = load_function(route.target)
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://function.test") as client:
        response = await client.request(route.method, _public_path(route))
    assert response.status_code < 500, response.text
    if spec_of(load_target(route.target)).auth:
        body = assert_problem(response, 401)
        assert body["instance"] == _public_path(route)
        assert response.headers["www-authenticate"] == 'Bearer realm="taskflow"'
    elif response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("route", SIGNED_IN_ROUTES, ids=_route_id)
@pytest.mark.usefixtures("framework_state", "pg_function_runtime")
async def test_an_auth_requiring_target_refuses_an_unsigned_token(route: Route) -> None:
    forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9."  # alg "none"
    async with AsyncClient(
        transport=ASGITransport(app=load_function(route.target)), base_url="http://function.test"
    ) as client:
        response = await client.request(
            route.method, _public_path(route), headers={"Authorization": f"Bearer {forged}"}
        )
    assert_problem(response, 401)


def test_the_anonymous_targets_are_exactly_the_ones_meant_to_be() -> None:
    anonymous = sorted({r.target for r in HTTP_ROUTES if not spec_of(load_target(r.target)).auth})
    # The attachment stand-ins take a signed form or link instead of a token, a calendar feed
    # the secret in its address.
    assert anonymous == sorted(
        [
            "calendar_feed",
            "complete_password_reset",
            "download_attachment",
            "get_event_schema",
            "healthz",
            "jwks",
            "login",
            "refresh",
            "register",
            "request_password_reset",
            "upload_attachment",
            "verify_email",
        ]
    )


@pytest.mark.parametrize("route", HTTP_ROUTES, ids=_route_id)
@pytest.mark.usefixtures("framework_state", "pg_function_runtime")
async def test_a_function_refuses_every_method_its_routes_do_not_take(route: Route) -> None:
    allowed = {r.method for r in HTTP_ROUTES if r.target == route.target}
    other = next(m for m in ("PUT", "DELETE", "POST", "PATCH") if m not in allowed)
    app = load_function(route.target)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://f.test") as client:
        response = await client.request(other, _public_path(route))
    assert_problem(response, 405)
    assert set(response.headers["allow"].split(", ")) == allowed
