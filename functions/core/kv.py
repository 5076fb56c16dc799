"""The Redis client: the real server when configured, an in-process stand-in otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakeredis import FakeServer
    from redis.asyncio import Redis

    from functions.core.settings import Settings


def create_redis(settings: Settings) -> Redis:
    """A client whose connections are capped: a burst of commands (or of live streams) waits
    for a free connection rather than opening more, or failing at redis-py's default cap."""
    from redis.asyncio import BlockingConnectionPool, Redis  # on first use: ~40 ms to import

    if settings.redis_url:
        pool = BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=settings.redis_max_connections,
            timeout=settings.redis_pool_timeout_seconds,
            decode_responses=True,
            health_check_interval=30,
            # A server that stops answering is an error to report (a 503), not a wait.
            socket_connect_timeout=settings.connect_timeout_seconds,
            socket_timeout=settings.redis_command_timeout_seconds,
            socket_keepalive=True,
            socket_keepalive_options=keepalive_options(settings.tcp_keepalive_seconds),
        )
        return Redis.from_pool(pool)
    import fakeredis  # the embedded mode only

    client: Redis = fakeredis.FakeAsyncRedis(server=_embedded_server(), decode_responses=True)
    return client


def keepalive_options(seconds: int) -> dict[int, int]:
    """TCP keepalive probes after `seconds` idle, every `seconds`, three unanswered ones
    dropping the connection; and unacknowledged data dropping it after as long."""
    import socket

    wanted = {
        "TCP_KEEPIDLE": seconds,
        "TCP_KEEPINTVL": seconds,
        "TCP_KEEPCNT": 3,
        "TCP_USER_TIMEOUT": 3 * seconds * 1000,
    }
    # Linux has all four; other systems some (macOS: no TCP_KEEPIDLE nor TCP_USER_TIMEOUT).
    return {getattr(socket, name): value for name, value in wanted.items() if hasattr(socket, name)}


_server: FakeServer | None = None


def _embedded_server() -> FakeServer:
    """One in-process server, shared by every client of this process."""
    global _server
    if _server is None:
        import fakeredis

        _server = fakeredis.FakeServer()
    return _server


def live_channel(settings: Settings) -> str:
    """The pub/sub channel writers announce changed stream keys on (`functions.core.live`)."""
    return key(settings, "live")


def key(settings: Settings, *parts: str) -> str:
    return settings.redis_prefix + ":".join(parts)
