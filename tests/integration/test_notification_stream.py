"""The live stream over real HTTP: through the gateway served by uvicorn on loopback, and from
a lone function process (`python -m functions.serve`). Notifications are pushed, never
polled for."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from redis.asyncio import Redis

from functions.core import runtime
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.gateway import create_app
from tests.e2e.conftest import BIN, Servers, clean_environment, free_port
from tests.integration.test_notifications import (
    Team,
    comment_event,
    deliver,
    feed,
    make_team,
    member_added_event,
)
from tests.support import User, assert_problem, signup

STREAM_PATH = "/api/notifications/stream"
HEARTBEAT_SECONDS = 0.3
ARRIVAL_SECONDS = 5.0
# Well under one blocking read's wait: what arrives this fast was pushed, not found by a poll.
PUSHED_SECONDS = 1.0

SHORT_SOCKET_TIMEOUT = 1.0


@dataclass
class Block:
    """One Server-Sent Events block: the lines before a blank one."""

    fields: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


class EventReader:
    """Reads a text/event-stream response block by block."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def block(self, within: float = ARRIVAL_SECONDS) -> Block | None:
        """The next block, or None once the server has ended the stream."""
        found = Block()
        async with asyncio.timeout(within):
            async for line in self._lines:
                if line == "":
                    if found.fields or found.comments:
                        return found
                elif line.startswith(":"):
                    found.comments.append(line[1:].strip())
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data" and "data" in found.fields:
                        value = found.fields["data"] + "\n" + value
                    found.fields[name] = value
        return None

    async def notification(self, within: float = ARRIVAL_SECONDS) -> tuple[str, dict[str, Any]]:
        """The next notification's `id:` and data, past any heartbeats."""
        async with asyncio.timeout(within):
            while True:
                found = await self.block(within)
                assert found is not None, "the stream ended"
                if found.fields:
                    assert found.fields["event"] == "notification", found
                    data: dict[str, Any] = json.loads(found.fields["data"])
                    return found.fields["id"], data

    async def end(self, within: float = ARRIVAL_SECONDS) -> str | None:
        """Read on until the server ends the stream; only heartbeats and a reconnection delay
        (`retry:`) may come before. Answers that delay, if one came."""
        retry = None
        async with asyncio.timeout(within):
            while (found := await self.block(within)) is not None:
                retry = found.fields.pop("retry", retry)
                assert not found.fields, found
        return retry


@asynccontextmanager
async def open_stream(
    base_url: str, user: User, last_event_id: str | None = None
) -> AsyncIterator[EventReader]:
    headers = dict(user.headers)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    timeout = httpx.Timeout(10, read=None)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=timeout) as client,
        client.stream("GET", STREAM_PATH, headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)


async def _eventually(check: Callable[[], bool], seconds: float) -> None:
    """Wait until `check()` holds (it has no event to wait on), failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        await asyncio.sleep(0.02)


@dataclass
class Live:
    base_url: str
    server: uvicorn.Server
    serving: asyncio.Task[None]
    api: httpx.AsyncClient


class ShortTimeoutRuntime(Runtime):
    """A runtime whose Redis client gives up on any read after one second."""

    @cached_property
    def redis(self) -> Redis:
        assert self.settings.redis_url is not None
        return Redis.from_url(
            self.settings.redis_url, decode_responses=True, socket_timeout=SHORT_SOCKET_TIMEOUT
        )


@asynccontextmanager
async def serving_gateway(rt: Runtime) -> AsyncIterator[Live]:
    """The gateway on a loopback port, served by uvicorn on this test's event loop."""
    previous = runtime.install(rt)
    # No lifespan: the gateway's would close the runtime, which the caller owns.
    config = uvicorn.Config(
        create_app(rt, web_dist=Path("/nonexistent")),
        lifespan="off",
        ws="none",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        await _eventually(lambda: server.started, seconds=10)
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as api:
            yield Live(base_url, server, serving, api)
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
        listener.close()
        await rt.close()
        runtime.install(previous)


@pytest.fixture
async def live(pg_settings: Settings) -> AsyncIterator[Live]:
    settings = pg_settings.model_copy(update={"stream_heartbeat_seconds": HEARTBEAT_SECONDS})
    async with serving_gateway(Runtime(settings)) as served:
        yield served


@pytest.fixture
async def any_live(
    backend: str, pg_settings: Settings, embedded_runtime: Runtime
) -> AsyncIterator[Live]:
    """The live gateway on each backend in turn: the real servers, then the embedded stand-ins."""
    base = pg_settings if backend == "postgres" else embedded_runtime.settings
    settings = base.model_copy(update={"stream_heartbeat_seconds": HEARTBEAT_SECONDS})
    async with serving_gateway(Runtime(settings)) as served:
        yield served


async def test_a_notification_reaches_an_open_stream_as_it_is_stored(any_live: Live) -> None:
    team = await make_team(any_live.api)
    async with open_stream(any_live.base_url, team.ben) as stream:
        await stream.block()  # a heartbeat: the stream is waiting in its blocking read
        assert (await deliver(comment_event(team, team.cy))).status_code == 202
        stored_at = time.monotonic()
        event_id, data = await stream.notification()
        # Woken by the write, well before the blocking read would have returned by itself.
        assert time.monotonic() - stored_at < PUSHED_SECONDS

    (stored,) = (await feed(any_live.api, team.ben))["items"]
    assert data == stored
    # The SSE id is the stream's whole position (an opaque token): it starts with the feed's.
    assert event_id.startswith(f"n:{stored['id']}~")
    assert data["message"] == "Cy commented on “Write the launch post”: Looks good"
    assert data["read"] is False


async def test_an_open_stream_sends_heartbeat_comments(live: Live) -> None:
    user = await signup(live.api, "listener")
    async with open_stream(live.base_url, user) as stream:
        for _ in range(2):
            block = await stream.block(within=HEARTBEAT_SECONDS * 10)
            assert block == Block(comments=["heartbeat"])


async def test_an_idle_stream_outlives_the_redis_clients_socket_timeout(
    pg_settings: Settings,
) -> None:
    # redis-py applies its socket timeout to blocking reads too: each must return before it.
    settings = pg_settings.model_copy(update={"stream_heartbeat_seconds": HEARTBEAT_SECONDS})
    async with serving_gateway(ShortTimeoutRuntime(settings)) as live:
        team = await make_team(live.api)
        async with open_stream(live.base_url, team.ben) as stream:
            quiet_until = time.monotonic() + SHORT_SOCKET_TIMEOUT * 2.5
            while time.monotonic() < quiet_until:
                assert await stream.block() == Block(comments=["heartbeat"])
            assert (await deliver(comment_event(team, team.cy))).status_code == 202
            _, data = await stream.notification()
    assert data["message"].startswith("Cy commented on")


async def test_a_reconnect_with_last_event_id_replays_exactly_what_was_missed(
    any_live: Live,
) -> None:
    team = await make_team(any_live.api)
    async with open_stream(any_live.base_url, team.ben) as stream:
        assert (await deliver(comment_event(team, team.cy, "seen"))).status_code == 202
        seen_id, _ = await stream.notification()
    for note in ("missed 1", "missed 2"):
        assert (await deliver(comment_event(team, team.cy, note))).status_code == 202

    async with open_stream(any_live.base_url, team.ben, last_event_id=seen_id) as stream:
        replayed = [await stream.notification() for _ in range(2)]
        assert (await deliver(comment_event(team, team.cy, "live"))).status_code == 202
        after = await stream.notification()

    newest_first = (await feed(any_live.api, team.ben))["items"]
    assert [data for _, data in [*replayed, after]] == newest_first[2::-1]
    assert [data["message"].rsplit(": ", 1)[1] for _, data in replayed] == ["missed 1", "missed 2"]
    assert [data["id"] for _, data in replayed] == [item["id"] for item in newest_first[2:0:-1]]

    # Without Last-Event-ID a stream starts at now: nothing already stored comes again.
    async with open_stream(any_live.base_url, team.ben) as stream:
        assert (await deliver(comment_event(team, team.cy, "fresh"))).status_code == 202
        _, first = await stream.notification()
    assert first["message"].endswith(": fresh")


@pytest.mark.parametrize("unreadable", ["yesterday", f"{2**64}-0", "0", "n:1-0~a:x"])
async def test_an_unreadable_last_event_id_starts_from_now_after_a_refetch(
    live: Live, unreadable: str
) -> None:
    team = await make_team(live.api)
    assert (await deliver(comment_event(team, team.cy, "before"))).status_code == 202
    async with open_stream(live.base_url, team.ben, last_event_id=unreadable) as stream:
        first = await stream.block()
        assert first is not None
        assert (first.fields["event"], first.fields["data"]) == ("refetch", "{}")
        assert (await deliver(comment_event(team, team.cy, "after"))).status_code == 202
        _, data = await stream.notification()
    assert data["message"].endswith(": after")


async def test_a_stream_carries_only_its_owners_notifications(live: Live) -> None:
    team: Team = await make_team(live.api)
    async with (
        open_stream(live.base_url, team.cy) as cys,
        open_stream(live.base_url, team.ben) as bens,
    ):
        # Cy's comment tells Ada and Ben; Ben's then tells Ada: neither is Cy's to see.
        assert (await deliver(comment_event(team, team.cy))).status_code == 202
        assert (await deliver(comment_event(team, team.ben))).status_code == 202
        assert (await deliver(member_added_event(team, team.cy))).status_code == 202
        _, cy_first = await cys.notification()
        _, ben_first = await bens.notification()
    assert cy_first["message"] == "Ada added you to Launch as editor"
    assert ben_first["message"] == "Cy commented on “Write the launch post”: Looks good"


async def test_a_stream_wants_a_bearer_token_in_its_header(live: Live) -> None:
    user = await signup(live.api, "tokened")
    anonymous = await live.api.get(STREAM_PATH)
    assert_problem(anonymous, 401)
    # A token in the URL would end up in access logs: the stream does not take one.
    in_query = await live.api.get(STREAM_PATH, params={"access_token": user.access_token})
    assert_problem(in_query, 401)


def _open_tasks() -> set[asyncio.Task[Any]]:
    return {task for task in asyncio.all_tasks() if not task.done()}


async def test_a_stream_whose_client_leaves_ends_and_leaves_no_task_behind(live: Live) -> None:
    user = await signup(live.api, "leaver")
    async with open_stream(live.base_url, user) as stream:  # starts any per-loop helper task
        await stream.block(within=HEARTBEAT_SECONDS * 10)
    await asyncio.sleep(HEARTBEAT_SECONDS)
    before = _open_tasks()

    async with open_stream(live.base_url, user) as stream:
        await stream.block(within=HEARTBEAT_SECONDS * 10)
        assert _open_tasks() - before, "the open stream should be served by tasks of its own"

    await _eventually(lambda: not _open_tasks() - before, seconds=2)


async def test_a_stream_ends_cleanly_when_the_server_shuts_down(live: Live) -> None:
    user = await signup(live.api, "stayer")
    async with open_stream(live.base_url, user) as stream:
        await stream.block(within=HEARTBEAT_SECONDS * 10)
        live.server.should_exit = True
        assert await stream.end() == "1000", "a stream ended on purpose says when to come back"
    await asyncio.wait_for(live.serving, 5)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


async def test_a_lone_functions_framework_process_streams_and_ends_its_streams_on_sigterm(
    live: Live, servers: Servers, pg_settings: Settings, tmp_path: Path
) -> None:
    team = await make_team(live.api)
    assert pg_settings.database_url is not None
    assert pg_settings.redis_url is not None
    assert pg_settings.jwt_private_key is not None
    env = clean_environment(
        TASKFLOW_ENV="test",
        TASKFLOW_DATABASE_URL=pg_settings.database_url,
        TASKFLOW_REDIS_URL=pg_settings.redis_url,
        TASKFLOW_REDIS_PREFIX=pg_settings.redis_prefix,
        TASKFLOW_JWT_PRIVATE_KEY=pg_settings.jwt_private_key,
        TASKFLOW_DATA_DIR=str(tmp_path),
        TASKFLOW_STREAM_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
    )
    port = free_port()
    command = [
        str(BIN / "python"),
        "-m",
        "functions.serve",
        "--target",
        "notification_stream",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = servers.start("notification_stream", command, port, env)

    async with open_stream(process.base_url, team.ben) as stream:
        assert (await deliver(comment_event(team, team.cy))).status_code == 202
        _, data = await stream.notification()
        assert data["message"] == "Cy commented on “Write the launch post”: Looks good"

        stopping = time.monotonic()
        os.killpg(process.process.pid, signal.SIGTERM)
        assert await stream.end(within=10) == "1000", "told when to reconnect"
    assert await asyncio.to_thread(process.process.wait, 10) == 0, process.output()
    assert time.monotonic() - stopping < 10
    assert "Traceback" not in process.output()
