"""The per-process composition root: clients are built on first use, never at import time.

functions-framework has no start-up hook, so each function process reaches its engine,
Redis client and keys through `current()`; the gateway and the CLI call `close()` on exit.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from functions.core.settings import Settings

# Entries one read of a followed stream key takes at most.
READ_BATCH = 100

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

    from functions.core.live import LiveStreams
    from functions.core.security.keys import KeySet
    from functions.core.security.passwords import PasswordHasher
    from functions.core.security.tokens import AccessTokenVerifier


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> AsyncEngine:
        from functions.core.database import create_engine

        return create_engine(self.settings)

    @cached_property
    def redis(self) -> Redis:
        from functions.core.kv import create_redis

        return create_redis(self.settings)

    @cached_property
    def live(self) -> LiveStreams:
        """The process's one reader of the stream keys its open live streams follow."""
        from functions.core.kv import live_channel
        from functions.core.live import LiveStreams

        s = self.settings
        return LiveStreams(self.redis, live_channel(s), s.stream_buffer, READ_BATCH)

    @cached_property
    def keys(self) -> KeySet:
        from functions.core.security.keys import load_key_set

        s = self.settings
        return load_key_set(s.jwt_private_key, s.jwt_previous_public_keys, s.data_dir)

    @cached_property
    def verifier(self) -> AccessTokenVerifier:
        """Verifies access tokens with the keys, the signature of each token checked once."""
        from functions.core.security.tokens import AccessTokenVerifier

        s = self.settings
        return AccessTokenVerifier(self.keys, issuer=s.jwt_issuer, audience=s.jwt_audience)

    @cached_property
    def passwords(self) -> PasswordHasher:
        from functions.core.security.passwords import PasswordHasher

        return PasswordHasher.from_settings(self.settings)

    async def close(self) -> None:
        if "live" in self.__dict__:
            await self.live.close()
        if "engine" in self.__dict__:
            await self.engine.dispose()
        if "redis" in self.__dict__:
            await self.redis.aclose()


_current: Runtime | None = None


def current() -> Runtime:
    """This process's runtime, built from the environment the first time it is asked for."""
    global _current
    if _current is None:
        from functions.core.observability import configure_logging

        settings = Settings()
        configure_logging(settings.log_level)
        _current = Runtime(settings)
    return _current


def install(runtime: Runtime | None) -> Runtime | None:
    """Replace this process's runtime (the CLI and tests build theirs explicitly)."""
    global _current
    previous, _current = _current, runtime
    return previous


async def close() -> None:
    global _current
    if _current is not None:
        await _current.close()
        _current = None
