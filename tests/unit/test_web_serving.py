"""The gateway serves the built web app: its files, its deep links, and nothing of the API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from functions.core.runtime import Runtime
from functions.gateway import create_app, openapi_document
from tests.conftest import make_test_settings

REPO = Path(__file__).resolve().parents[2]
INDEX = "<!doctype html><title>TaskFlow</title><div id=root></div>"


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[AsyncClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('taskflow')")
    (dist / "favicon.svg").write_text("<svg/>")
    settings = make_test_settings(env="dev", data_dir=tmp_path)
    app = create_app(Runtime(settings), web_dist=dist)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client


async def test_the_app_page_and_its_files_are_served(web: AsyncClient) -> None:
    page, script, icon = (
        await web.get("/"),
        await web.get("/assets/index-abc123.js"),
        await web.get("/favicon.svg"),
    )
    assert (page.status_code, page.text) == (200, INDEX)
    assert page.headers["cache-control"] == "no-cache"
    assert script.status_code == 200
    assert "taskflow" in script.text
    assert icon.status_code == 200


async def test_a_deep_link_opened_in_the_browser_gets_the_app_page(web: AsyncClient) -> None:
    page = await web.get("/projects/42", headers={"Accept": "text/html,application/xhtml+xml"})
    assert (page.status_code, page.text) == (200, INDEX)


async def test_unknown_api_paths_and_missing_assets_stay_problems(web: AsyncClient) -> None:
    html = {"Accept": "text/html"}
    api, asset = (
        await web.get("/api/nothing-here", headers=html),
        await web.get("/assets/missing.js", headers=html),
    )
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert asset.status_code == 404


async def test_a_wrong_method_on_an_api_path_is_still_a_405(web: AsyncClient) -> None:
    response = await web.delete("/api/tasks")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_the_web_client_is_generated_from_the_document_the_gateway_publishes() -> None:
    """web/openapi.json feeds the generated TypeScript client (checked by `npm run api:check`);
    regenerate both with `taskflow openapi --output web/openapi.json && npm run api:generate`."""
    committed = json.loads((REPO / "web" / "openapi.json").read_text())
    assert committed == openapi_document()
