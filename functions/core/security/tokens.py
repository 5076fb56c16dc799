"""Access tokens: short-lived JWTs signed with the key set, verified locally everywhere."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import jwt

from functions.core.errors import Unauthenticated
from functions.core.security.keys import KeySet

ACCESS_TOKEN_TYPE: Final = "access"
# RFC 9068's media type for JWT access tokens, in the header.
ACCESS_TOKEN_HEADER_TYPE: Final = "at+jwt"
REQUIRED_CLAIMS: Final = ("iss", "aud", "sub", "exp", "iat", "nbf", "jti", "typ")
# Allowed clock difference between the issuer and a verifier.
LEEWAY_SECONDS: Final = 5
# Tokens a verifier remembers having verified: about one per person using this instance.
VERIFIED_TOKENS_KEPT: Final = 4096
INVALID_OR_EXPIRED: Final = "the access token is invalid or expired"


@dataclass(frozen=True)
class AccessToken:
    token: str
    jti: str
    expires_at: int
    expires_in: int


@dataclass(frozen=True)
class Principal:
    """Who a verified access token speaks for."""

    user_id: uuid.UUID
    jti: str
    issued_at: int
    expires_at: int
    # A personal access token's scopes and id; None for a session's access token.
    scopes: frozenset[str] | None = None
    token_id: uuid.UUID | None = None


def issue_access_token(
    keys: KeySet, *, user_id: uuid.UUID, issuer: str, audience: str, ttl_seconds: int
) -> AccessToken:
    now = int(time.time())
    jti = secrets.token_urlsafe(16)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": jti,
        "typ": ACCESS_TOKEN_TYPE,
    }
    token = jwt.encode(
        claims,
        keys.signing_key,
        algorithm=keys.signing_algorithm,
        headers={"kid": keys.signing_kid, "typ": ACCESS_TOKEN_HEADER_TYPE},
    )
    return AccessToken(token=token, jti=jti, expires_at=now + ttl_seconds, expires_in=ttl_seconds)


def verify_access_token(keys: KeySet, token: str, *, issuer: str, audience: str) -> Principal:
    """The principal, or Unauthenticated; the algorithm is our key's, never the token's."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("typ") != ACCESS_TOKEN_HEADER_TYPE:
            raise Unauthenticated("not an access token")
        kid = header.get("kid")
        key = keys.verification_keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthenticated("the token was not signed by a known key")
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            raise Unauthenticated("not an access token")
        return Principal(
            user_id=uuid.UUID(str(claims["sub"])),
            jti=str(claims["jti"]),
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise Unauthenticated(INVALID_OR_EXPIRED) from exc


class AccessTokenVerifier:
    """`verify_access_token` with a memory: a client sends the same token with every request
    for its whole life, and checking its signature again (PyJWT's parsing included) was a
    fifth of a warm request. A token verified once is the same bytes signed by the same keys,
    so only its expiry is checked again; what was refused is verified afresh each time."""

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        clock: Callable[[], float] = time.time,
        kept: int = VERIFIED_TOKENS_KEPT,
    ) -> None:
        self.keys, self.issuer, self.audience = keys, issuer, audience
        self.clock, self.kept = clock, kept
        self._verified: dict[str, Principal] = {}

    def verify(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is None:
            principal = verify_access_token(
                self.keys, token, issuer=self.issuer, audience=self.audience
            )
            if len(self._verified) >= self.kept:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = principal
        # As PyJWT checks `exp`: expired once now is past it by more than the leeway.
        if principal.expires_at <= self.clock() - LEEWAY_SECONDS:
            self._verified.pop(token, None)
            raise Unauthenticated(INVALID_OR_EXPIRED)
        return principal
