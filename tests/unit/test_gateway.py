"""The gateway's pieces as one app: cross-origin calls, the page before a build, and the
lifespan that runs the embedded pipeline and closes the runtime."""

from __future__ import annotations

import asyncio
from pathlib import Path

from httpx import ASGITransport, AsyncClient

from functions.core import migrate, runtime
from functions.core.runtime import Runtime
from functions.gateway import create_app
from functions.gateway.web import PLACEHOLDER_PAGE
from tests.conftest import make_test_settings

WEB_ORIGIN = "https://app.example"


def _client(tmp_path: Path, **settings: object) -> AsyncClient:
    rt = Runtime(make_test_settings(env="dev", data_dir=tmp_path, **settings))
    app = create_app(rt, web_dist=tmp_path / "no-build")
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://t")


async def test_a_configured_origin_may_call_the_api_with_credentials(tmp_path: Path) -> None:
    async with _client(tmp_path, allowed_origins=[WEB_ORIGIN]) as client:
        preflight = await client.options(
            "/api/tasks",
            headers={"Origin": WEB_ORIGIN, "Access-Control-Request-Method": "POST"},
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == WEB_ORIGIN
    assert preflight.headers["access-control-allow-credentials"] == "true"


async def test_another_origin_gets_no_cross_origin_permission(tmp_path: Path) -> None:
    async with _client(tmp_path, allowed_origins=[WEB_ORIGIN]) as client:
        answer = await client.get("/healthz", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in answer.headers


async def test_without_configured_origins_no_cross_origin_header_is_sent(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        answer = await client.get("/healthz", headers={"Origin": WEB_ORIGIN})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


async def test_before_the_web_app_is_built_the_root_says_where_the_api_is(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        page = await client.get("/", headers={"Accept": "text/html"})
    assert (page.status_code, page.text) == (200, PLACEHOLDER_PAGE)
    assert 'href="/api/docs"' in page.text


def test_the_embedded_pipeline_runs_for_the_app_s_lifetime_then_the_runtime_closes(
    tmp_path: Path,
) -> None:
    settings = make_test_settings(env="dev", data_dir=tmp_path)
    migrate.upgrade(settings.effective_database_url)
    app = create_app(Runtime(settings), web_dist=tmp_path, embedded_pipeline=True)

    async def task_names_during_and_after() -> tuple[set[str], set[str]]:
        async with app.router.lifespan_context(app):
            during = {task.get_name() for task in asyncio.all_tasks()}
        return during, {task.get_name() for task in asyncio.all_tasks()}

    # A loop of its own: the lifespan starts and stops the pipeline's tasks on it.
    during, after = asyncio.run(task_names_during_and_after())
    assert "taskflow-schedules" in during
    assert "taskflow-schedules" not in after
    assert runtime.install(None) is None  # closed and let go when the app ended


async def test_without_the_pipeline_the_lifespan_only_closes_the_runtime(tmp_path: Path) -> None:
    rt = Runtime(make_test_settings(env="dev", data_dir=tmp_path))
    app = create_app(rt, web_dist=tmp_path)
    async with app.router.lifespan_context(app):
        assert runtime.current() is rt
        assert "taskflow-schedules" not in {task.get_name() for task in asyncio.all_tasks()}
    assert runtime.install(None) is None
