"""Authenticating a request's access token, and ending tokens before they expire."""

from __future__ import annotations

from functions.core.errors import Unauthenticated
from functions.core.kv import key
from functions.core.runtime import Runtime
from functions.core.security.tokens import Principal, verify_access_token


def _denied_jti_key(rt: Runtime, jti: str) -> str:
    return key(rt.settings, "denied-jti", jti)


async def authenticate(rt: Runtime, token: str) -> Principal:
    """Verify locally with the public keys, then one Redis round trip for the denylist."""
    s = rt.settings
    principal = verify_access_token(rt.keys, token, issuer=s.jwt_issuer, audience=s.jwt_audience)
    if await rt.redis.exists(_denied_jti_key(rt, principal.jti)):
        raise Unauthenticated("this session has ended")
    return principal


async def deny_access_tokens(rt: Runtime, jtis: list[str]) -> None:
    """Refuse these access tokens until they would have expired anyway.

    Every access token is issued beside a refresh token whose row records its jti, so
    ending sessions (logout, password change, refresh-token reuse) denylists exactly the
    access tokens those sessions hold.
    """
    if not jtis:
        return
    ttl = rt.settings.access_token_ttl_seconds + 60
    async with rt.redis.pipeline(transaction=False) as pipe:
        for jti in jtis:
            pipe.set(_denied_jti_key(rt, jti), "1", ex=ttl)
        await pipe.execute()
