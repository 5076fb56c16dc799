"""Live streams at scale on the real Redis: many open streams share a few Redis connections, a
stream that falls behind is told to refetch without holding back the rest, and past its limit a
process refuses a new stream at once."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from redis.asyncio import Redis

from functions.core.clock import utcnow
from functions.core.kv import live_channel
from functions.core.live import FellBehind, LiveStreams, announce
from functions.core.runtime import Runtime
from functions.core.security.tokens import issue_access_token
from functions.core.services import notifications
from functions.core.services.recipients import Notice
from functions.core.settings import Settings
from tests.conftest import REDIS_TEST_URL
from tests.integration.test_notification_stream import (
    STREAM_PATH,
    EventReader,
    Live,
    serving_gateway,
)

STREAMS = 300
POOL = 10
ARRIVAL_SECONDS = 20.0


def _token(rt: Runtime, user_id: uuid.UUID) -> str:
    s = rt.settings
    issued = issue_access_token(
        rt.keys, user_id=user_id, issuer=s.jwt_issuer, audience=s.jwt_audience, ttl_seconds=900
    )
    return issued.token


def _notice(user_id: uuid.UUID, event_id: str, message: str) -> Notice:
    return Notice(
        user_id=user_id,
        kind="task.created",
        message=message,
        project_id=uuid.uuid4(),
        task_id=uuid.uuid4(),
        actor_id=None,
        event_id=event_id,
        event_source="/taskflow/test",
        time=utcnow(),
    )


@pytest.fixture
def client_name() -> str:
    return f"taskflow-live-{secrets.token_hex(4)}"


@pytest.fixture
async def crowded(pg_settings: Settings, client_name: str) -> AsyncIterator[tuple[Live, Runtime]]:
    """The gateway on a runtime whose Redis pool is far smaller than the streams it serves."""
    assert pg_settings.redis_url is not None
    settings = pg_settings.model_copy(
        update={
            "redis_url": f"{pg_settings.redis_url}?client_name={client_name}",
            "redis_max_connections": POOL,
            "stream_heartbeat_seconds": 5.0,
        }
    )
    rt = Runtime(settings)
    async with serving_gateway(rt) as served:
        yield served, rt


async def _connections_named(name: str) -> int:
    admin = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
    try:
        clients = await admin.client_list()
        return sum(1 for c in clients if c.get("name") == name)
    finally:
        await admin.aclose()


async def test_more_streams_than_redis_connections_each_receive_a_change(
    crowded: tuple[Live, Runtime], client_name: str
) -> None:
    live, rt = crowded
    people = [uuid.uuid4() for _ in range(STREAMS)]
    limits = httpx.Limits(max_connections=STREAMS + 10)
    timeout = httpx.Timeout(30, read=None)
    async with (
        httpx.AsyncClient(base_url=live.base_url, limits=limits, timeout=timeout) as client,
        AsyncExitStack() as stack,
    ):

        async def open_one(person: uuid.UUID) -> EventReader:
            headers = {"Authorization": f"Bearer {_token(rt, person)}"}
            response = await stack.enter_async_context(
                client.stream("GET", STREAM_PATH, headers=headers)
            )
            assert response.status_code == 200, await response.aread()
            return EventReader(response)

        readers = await asyncio.gather(*(open_one(p) for p in people))
        assert rt.live.streams_open == STREAMS

        stored = await notifications.store(
            rt, [_notice(p, "one-change", "Ana created “Plan the launch”") for p in people]
        )
        assert len(stored) == STREAMS

        started = time.monotonic()
        arrived = await asyncio.gather(
            *(reader.notification() for reader in readers), return_exceptions=True
        )
        failures = [a for a in arrived if isinstance(a, BaseException)]
        assert not failures, failures[:3]
        assert {data["message"] for _, data in arrived} == {"Ana created “Plan the launch”"}  # type: ignore[misc]
        assert time.monotonic() - started < ARRIVAL_SECONDS
        assert await _connections_named(client_name) <= POOL


async def test_past_its_limit_a_process_refuses_a_stream_at_once_with_retry_after(
    pg_settings: Settings,
) -> None:
    rt = Runtime(pg_settings.model_copy(update={"stream_limit": 2}))
    async with serving_gateway(rt) as live, AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=live.base_url, timeout=httpx.Timeout(10, read=None))
        )
        headers = {"Authorization": f"Bearer {_token(rt, uuid.uuid4())}"}
        first = await stack.enter_async_context(client.stream("GET", STREAM_PATH, headers=headers))
        async with client.stream("GET", STREAM_PATH, headers=headers) as second:
            assert first.status_code == second.status_code == 200
            started = time.monotonic()
            refused = await client.get(STREAM_PATH, headers=headers)
            # At once: well inside the 5 s a command would wait for a Redis connection.
            assert time.monotonic() - started < 3.0
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == "1"
            assert refused.headers["content-type"] == "application/problem+json"
        # The second stream has ended: its place is free again.
        deadline = time.monotonic() + 5
        while rt.live.streams_open > 1:
            assert time.monotonic() < deadline, "a closed stream was never released"
            await asyncio.sleep(0.02)
        async with client.stream("GET", STREAM_PATH, headers=headers) as again:
            assert again.status_code == 200


async def test_a_stream_that_falls_behind_is_told_to_refetch_and_the_others_carry_on(
    pg_settings: Settings,
) -> None:
    rt = Runtime(pg_settings.model_copy(update={"stream_buffer": 1}))
    person = uuid.uuid4()
    async with serving_gateway(rt) as live:
        headers = {"Authorization": f"Bearer {_token(rt, person)}"}
        client = httpx.AsyncClient(base_url=live.base_url, timeout=httpx.Timeout(10, read=None))
        async with client, client.stream("GET", STREAM_PATH, headers=headers) as response:
            assert response.status_code == 200
            reader = EventReader(response)
            feed = rt.settings.redis_prefix + f"notifications:feed:{person}"
            # A first notice, and its arrival: the stream has replayed the feed by then, so
            # what follows comes only through the process's reader (a burst written before
            # the replay would be replayed in full, which is right, but not this test).
            async with rt.redis.pipeline(transaction=True) as pipe:
                pipe.xadd(feed, {"n": _stored(_notice(person, "first", "first"))})
                announce(pipe, live_channel(rt.settings), [feed])
                await pipe.execute()
            first = await reader.block(within=10)
            assert first is not None
            assert first.fields["event"] == "notification"
            # Two entries land in one read of the feed: more than the stream's buffer of one.
            async with rt.redis.pipeline(transaction=True) as pipe:
                for n in range(2):
                    body = _notice(person, f"burst-{n}", f"burst {n}")
                    pipe.xadd(feed, {"n": _stored(body)})
                announce(pipe, live_channel(rt.settings), [feed])
                await pipe.execute()
            block = await reader.block(within=10)
            assert block is not None
            assert block.fields["event"] == "refetch"
            assert block.fields["retry"] == "1000"
            assert await reader.block(within=5) is None, "the stream ends after the refetch"


def _stored(notice: Notice) -> str:
    return json.dumps(
        {
            "kind": notice.kind,
            "message": notice.message,
            "task_id": str(notice.task_id),
            "project_id": str(notice.project_id),
            "actor_id": None,
            "created_at": notice.time.isoformat(),
        }
    )


async def test_a_follower_that_stalls_loses_its_place_but_not_the_others(
    pg_settings: Settings,
) -> None:
    assert pg_settings.redis_url is not None
    redis = Redis.from_url(pg_settings.redis_url, decode_responses=True)
    channel = f"{pg_settings.redis_prefix}live-test-{secrets.token_hex(4)}"
    key = f"{pg_settings.redis_prefix}live-test-stream-{secrets.token_hex(4)}"
    hub = LiveStreams(redis, channel, buffer=4, read_batch=100)
    try:
        reading, stalled = hub.follow({key: "0-0"}), hub.follow({key: "0-0"})
        for n in range(10):
            async with redis.pipeline(transaction=True) as pipe:
                pipe.xadd(key, {"n": str(n)})
                announce(pipe, channel, [key])
                await pipe.execute()
            ((got_key, entry),) = await asyncio.wait_for(reading.next(), 5)
            assert (got_key, entry[1]) == (key, {"n": str(n)})
        with pytest.raises(FellBehind):
            await asyncio.wait_for(stalled.next(), 1)
        assert stalled.fell_behind
        assert not reading.fell_behind
    finally:
        await hub.close()
        await redis.delete(key)
        await redis.aclose()
