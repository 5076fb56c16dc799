"""The gateway's OpenAPI document describes every function from the route table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from functions.core.runtime import Runtime
from functions.edge import spec_of
from functions.gateway import create_app
from functions.routes import ROUTES, load_target
from tests.conftest import make_test_settings


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = make_test_settings(env="dev", data_dir=tmp_path_factory.mktemp("openapi"))
    app = create_app(Runtime(settings), web_dist=Path("/nonexistent"))
    return app.openapi()


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method.lower()]
    return operation


PUBLIC_ROUTES = [r for r in ROUTES if r.public]


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_is_an_operation_with_its_path_parameters(
    document: dict[str, Any], route: Any
) -> None:
    operation = _operation(document, route.method, route.path)
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    assert names == set(route.pattern.groupindex)


def test_functions_reached_only_by_the_broker_or_a_timer_are_not_on_the_gateway(
    document: dict[str, Any],
) -> None:
    internal = [r for r in ROUTES if not r.public]
    assert internal, "the table has event and schedule targets"
    assert [r.path for r in internal if r.path in document["paths"]] == []


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_a_body_is_described_by_the_model_the_function_validates_with(
    document: dict[str, Any], route: Any
) -> None:
    spec = spec_of(load_target(route.target))
    operation = _operation(document, route.method, route.path)
    if spec.raw_body:
        assert set(operation["requestBody"]["content"]) == set(spec.raw_body)
        return
    if spec.body is None:
        assert "requestBody" not in operation
        return
    body = operation["requestBody"]
    schema_ref = body["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref == f"#/components/schemas/{spec.body.__name__}"
    assert spec.body.__name__ in document["components"]["schemas"]
    assert body["required"] is not spec.body_optional


def test_refresh_documents_its_body_as_optional_since_browsers_send_the_cookie(
    document: dict[str, Any],
) -> None:
    assert _operation(document, "POST", "/api/auth/refresh")["requestBody"]["required"] is False


def test_changing_a_task_documents_the_if_match_header(document: dict[str, Any]) -> None:
    parameters = _operation(document, "PATCH", "/api/tasks/{task_id}")["parameters"]
    assert [p["name"] for p in parameters if p["in"] == "header"] == ["If-Match"]


def test_list_filters_are_query_parameters(document: dict[str, Any]) -> None:
    parameters = _operation(document, "GET", "/api/tasks")["parameters"]
    names = {p["name"] for p in parameters if p["in"] == "query"}
    assert {"project_id", "status", "priority", "label", "q", "sort", "limit", "cursor"} <= names


def test_functions_that_need_a_token_say_so(document: dict[str, Any]) -> None:
    assert _operation(document, "GET", "/api/tasks")["security"] == [{"bearerAuth": []}]
    assert "security" not in _operation(document, "POST", "/api/auth/login")


def test_the_live_stream_is_documented_as_server_sent_events(document: dict[str, Any]) -> None:
    ok = _operation(document, "GET", "/api/notifications/stream")["responses"]["200"]
    assert list(ok["content"]) == ["text/event-stream"]


def test_an_event_schema_is_documented_as_a_json_schema_document(document: dict[str, Any]) -> None:
    ok = _operation(document, "GET", "/api/events/schemas/{event_type}")["responses"]["200"]
    assert list(ok["content"]) == ["application/schema+json"]


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_a_success_body_is_documented_in_the_media_type_the_function_answers_with(
    document: dict[str, Any], route: Any
) -> None:
    spec = spec_of(load_target(route.target))
    success = _operation(document, route.method, route.path)["responses"][str(spec.status)]
    expected = list(spec.success_media_types)
    assert list(success.get("content", {media: {} for media in expected})) == expected


async def test_the_api_documentation_is_served_with_its_own_assets_and_no_cdn(
    tmp_path: Path,
) -> None:
    app = create_app(Runtime(make_test_settings(env="dev", data_dir=tmp_path)), web_dist=tmp_path)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        page = await client.get("/api/docs")
        assets = re.findall(r"""(?:src|href)=["']?(/api/docs/assets/[^"' >]+)""", page.text)
        fetched = [await client.get(asset) for asset in assets]
    assert page.status_code == 200
    assert "/api/openapi.json" in page.text
    assert "cdn." not in page.text
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    assert [r.status_code for r in fetched] == [200] * len(assets)
