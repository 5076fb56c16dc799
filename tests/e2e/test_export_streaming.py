"""A project's export over real HTTP streams: as a function's own process (functions-framework
under uvicorn, as Knative runs it) and through the gateway served by uvicorn (`taskflow dev`).

The reader takes little at a time (a small receive buffer), so the server can be only a few
megabytes ahead of it: a project of about 15 MB cannot have been read whole when its first
tasks arrive, unless the answer was built before it was sent.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.gateway import create_app
from tests.e2e.conftest import Servers
from tests.e2e.test_function_processes import _serve, _settings_environment
from tests.integration.helpers_tasks import create_task, insert_tasks
from tests.support import User, create_project, signup

TASKS = 3000
# About 5 KB a task: some 15 MB in all, several times what the sockets between can hold.
DESCRIPTION = "d" * 5000
BATCHES = TASKS // 500
# What marks the query of a batch of tasks (functions.core.services.exports).
BATCH_QUERY = "AS assignees"


def slow_reader(base_url: str) -> AsyncClient:
    """A client whose socket takes at most 64 KiB before the server must wait for it."""
    transport = httpx.AsyncHTTPTransport(
        socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)]
    )
    return AsyncClient(base_url=base_url, transport=transport, timeout=30)


async def large_project(api: AsyncClient) -> tuple[User, str]:
    ana = await signup(api, "ana")
    project = await create_project(api, ana, "Big")
    await insert_tasks(uuid.UUID(project["id"]), ana, TASKS, description=DESCRIPTION)
    return ana, project["id"]


async def read_while_adding(
    api: AsyncClient, client: AsyncClient, user: User, project_id: str, *, pause: float
) -> tuple[httpx.Response, bytes, str]:
    """Read the export until its first tasks arrive; then add a task, wait `pause` seconds,
    and read the rest. Returns the response, the body and the added task's title."""
    path = f"/api/projects/{project_id}/export"
    async with client.stream("GET", path, headers=user.headers) as response:
        assert response.status_code == 200
        received = bytearray()
        chunks = response.aiter_raw()
        async for chunk in chunks:
            received += chunk
            if b"filler 0" in received:
                break
        added = await create_task(api, user, uuid.UUID(project_id), title="added mid-export")
        await asyncio.sleep(pause)
        async for chunk in chunks:
            received += chunk
    return response, bytes(received), added["title"]


def titles_of(body: bytes) -> list[str]:
    document: dict[str, Any] = json.loads(body)
    return [task["title"] for task in document["tasks"]]


async def test_a_function_process_streams_the_export_past_its_request_timeout(
    servers: Servers, api: AsyncClient, pg_settings: Settings, tmp_path: Path
) -> None:
    ana, project_id = await large_project(api)
    env = _settings_environment(pg_settings, tmp_path)
    env["TASKFLOW_REQUEST_TIMEOUT_SECONDS"] = "1"
    server = _serve(servers, "export_project", env)

    async with slow_reader(server.base_url) as client:
        # The reader stops for longer than the request timeout: it bounds the answer's start,
        # never the body.
        response, body, added = await read_while_adding(api, client, ana, project_id, pause=1.5)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith('attachment; filename="Big.json"')
    assert "content-length" not in response.headers
    assert response.headers["transfer-encoding"] == "chunked"
    # The task added once the first tasks were out came from a batch read after that.
    assert titles_of(body) == [f"filler {n}" for n in range(TASKS)] + [added]


@contextmanager
def counting_batches(rt: Runtime) -> Iterator[list[str]]:
    """The task batches the export reads from now on, as they are read."""
    read: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if BATCH_QUERY in statement:
            read.append(statement)

    event.listen(rt.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield read
    finally:
        event.remove(rt.engine.sync_engine, "before_cursor_execute", count)


@asynccontextmanager
async def gateway_served(rt: Runtime) -> AsyncIterator[str]:
    """The gateway (`taskflow dev`'s app) served by uvicorn in this event loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        create_app(rt), lifespan="off", ws="none", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started, "the gateway did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def test_the_gateway_streams_the_export_and_stops_reading_when_the_reader_leaves(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    ana, project_id = await large_project(api)
    pool = pg_runtime.engine.pool
    assert isinstance(pool, QueuePool)
    async with gateway_served(pg_runtime) as base_url, slow_reader(base_url) as client:
        _, body, added = await read_while_adding(api, client, ana, project_id, pause=0)
        assert titles_of(body) == [f"filler {n}" for n in range(TASKS)] + [added]

        with counting_batches(pg_runtime) as batches:
            path = f"/api/projects/{project_id}/export?format=csv"
            async with client.stream("GET", path, headers=ana.headers) as response:
                assert response.headers["content-type"] == "text/csv; charset=utf-8"
                async for chunk in response.aiter_raw():
                    if b"filler 0" in chunk:
                        break
            # Gone: the export stops about where it was, and holds no connection.
            await asyncio.sleep(0.5)
            read_when_gone = len(batches)
            await asyncio.sleep(0.5)
        assert pool.checkedout() == 0
        assert 1 <= len(batches) == read_when_gone < BATCHES
