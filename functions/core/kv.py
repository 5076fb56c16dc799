"""The Redis client: the real server when configured, an in-process stand-in otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from redis.asyncio import Redis

from functions.core.settings import Settings

if TYPE_CHECKING:
    from fakeredis import FakeServer


def create_redis(settings: Settings) -> Redis:
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, decode_responses=True, health_check_interval=30)
    import fakeredis  # the embedded mode only

    client: Redis = fakeredis.FakeAsyncRedis(server=_embedded_server(), decode_responses=True)
    return client


_server: FakeServer | None = None


def _embedded_server() -> FakeServer:
    """One in-process server, shared by every client of this process."""
    global _server
    if _server is None:
        import fakeredis

        _server = fakeredis.FakeServer()
    return _server


def key(settings: Settings, *parts: str) -> str:
    return settings.redis_prefix + ":".join(parts)
