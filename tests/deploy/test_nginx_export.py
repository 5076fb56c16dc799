"""nginx in front of the export function: a project's export passes through at its reader's
pace, held in nginx's memory buffers only, never spooled to a temporary file (the gateway's
/tmp is small)."""

from __future__ import annotations

from pathlib import Path

from httpx import AsyncClient

from events.transport.dispatch import service_name
from functions.core.settings import Settings
from functions.routes import ROUTES
from tests.deploy.test_nginx import _running_nginx, _web_build
from tests.e2e.conftest import Servers
from tests.e2e.test_export_streaming import (
    TASKS,
    large_project,
    read_while_adding,
    slow_reader,
    titles_of,
)
from tests.e2e.test_function_processes import _serve, _settings_environment


async def test_nginx_passes_a_large_export_on_as_it_is_read_without_a_temporary_file(
    servers: Servers, api: AsyncClient, pg_settings: Settings, tmp_path: Path
) -> None:
    ana, project_id = await large_project(api)
    function = _serve(servers, "export_project", _settings_environment(pg_settings, tmp_path))
    port = int(function.base_url.rsplit(":", 1)[1])
    # Every service at the export function's port: only the export is asked for.
    upstreams = {service_name(route.target): port for route in ROUTES if route.public}
    prefix = tmp_path / "nginx"
    with _running_nginx(prefix, upstreams, _web_build(tmp_path / "web")) as base_url:
        async with slow_reader(base_url) as client:
            response, body, added = await read_while_adding(api, client, ana, project_id, pause=1.0)
    assert response.headers["content-disposition"].startswith('attachment; filename="Big.json"')
    titles = titles_of(body)
    assert titles[:TASKS] == [f"filler {n}" for n in range(TASKS)]
    # Whether the task added mid-way made it depends on how far ahead the sockets let the
    # function get: nginx's spooling is what this checks, below.
    assert titles[TASKS:] in ([], [added])
    assert "temporary file" not in (prefix / "nginx.log").read_text()
