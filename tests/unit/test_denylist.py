"""This process's copy of the access-token denylist: no Redis round trip per request, and
never older than a second when a request is checked against it."""

from __future__ import annotations

import asyncio

from functions.core.security.access import DENYLIST_REFRESH_SECONDS, Denylist


class CountingRedis:
    """The two reads a denylist copy makes, answered from memory and counted."""

    def __init__(self) -> None:
        self.version: str | None = None
        self.members: list[str] = []
        self.calls: list[str] = []
        self.gate: asyncio.Event | None = None

    async def get(self, key: str) -> str | None:
        self.calls.append("GET")
        if self.gate is not None:
            await self.gate.wait()
        return self.version

    async def zrangebyscore(self, key: str, low: float, high: str) -> list[str]:
        self.calls.append("ZRANGEBYSCORE")
        return list(self.members)


def _copy() -> Denylist:
    return Denylist("denied-jtis", "denied-jtis-version")


async def test_requests_within_a_second_of_a_refresh_cost_no_round_trip() -> None:
    redis, denylist = CountingRedis(), _copy()
    redis.members = ["ended"]
    for _ in range(100):
        assert await denylist.refused(redis, "ended")
        assert not await denylist.refused(redis, "current")
    assert redis.calls == ["GET", "ZRANGEBYSCORE"]


async def test_an_old_copy_asks_for_the_version_and_fetches_the_set_only_when_it_changed() -> None:
    redis, denylist = CountingRedis(), _copy()
    assert not await denylist.refused(redis, "jti")
    denylist.fresh_until = 0.0  # a second later
    assert not await denylist.refused(redis, "jti")
    assert redis.calls == ["GET", "ZRANGEBYSCORE", "GET"]

    redis.version, redis.members = "v2", ["jti"]  # another process ended the session
    denylist.fresh_until = 0.0
    assert await denylist.refused(redis, "jti")
    assert redis.calls[3:] == ["GET", "ZRANGEBYSCORE"]


async def test_requests_arriving_during_a_refresh_wait_for_that_one() -> None:
    redis, denylist = CountingRedis(), _copy()
    redis.gate = asyncio.Event()
    checks = [asyncio.ensure_future(denylist.refused(redis, "jti")) for _ in range(20)]
    await asyncio.sleep(0)
    redis.gate.set()
    assert await asyncio.gather(*checks) == [False] * 20
    assert redis.calls == ["GET", "ZRANGEBYSCORE"]


async def test_a_token_this_process_ends_is_refused_here_at_once() -> None:
    redis, denylist = CountingRedis(), _copy()
    assert not await denylist.refused(redis, "jti")
    denylist.add(["jti"])
    assert await denylist.refused(redis, "jti")


def test_a_copy_is_trusted_for_at_most_a_second() -> None:
    assert DENYLIST_REFRESH_SECONDS <= 1.0
