"""Access tokens, issued and verified without any I/O; and a catalogue of forged tokens.

`FORGERIES` is shared with tests/integration/test_auth_tokens.py, which sends each one
through the gateway: every entry must be refused here and answered 401 there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm

from functions.core.errors import Unauthenticated
from functions.core.security.keys import KeySet, build_key_set
from functions.core.security.tokens import (
    ACCESS_TOKEN_HEADER_TYPE,
    REQUIRED_CLAIMS,
    AccessTokenVerifier,
    issue_access_token,
    verify_access_token,
)

ISSUER: Final = "taskflow"
AUDIENCE: Final = "taskflow-api"
MISSING: Final = object()  # a claim value meaning "leave this claim out"


def private_pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@cache
def attacker_ed25519() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@cache
def attacker_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


@dataclass(frozen=True)
class Target:
    """Whose tokens are forged: the service's key set and claims, and a user."""

    keys: KeySet
    user_id: uuid.UUID
    issuer: str = ISSUER
    audience: str = AUDIENCE

    def claims(self, **changes: object) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(self.user_id),
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
            "typ": "access",
        }
        for name, value in changes.items():
            if value is MISSING:
                del claims[name]
            else:
                claims[name] = value
        return claims

    def header(self, **changes: object) -> dict[str, Any]:
        header: dict[str, Any] = {
            "alg": self.keys.signing_algorithm,
            "kid": self.keys.signing_kid,
            "typ": ACCESS_TOKEN_HEADER_TYPE,
        }
        for name, value in changes.items():
            if value is MISSING:
                del header[name]
            else:
                header[name] = value
        return header

    def compact(
        self,
        header: dict[str, Any],
        claims: dict[str, Any],
        sign: Callable[[bytes], bytes] | None = None,
    ) -> str:
        """A JWS built by hand, so that nothing a library refuses to produce is off limits."""
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        signature = sign(signing_input.encode()) if sign else b""
        return f"{signing_input}.{_b64(signature)}"

    def signed(self, claims: dict[str, Any] | None = None, **header: object) -> str:
        """Signed with the service's own key: only the claims or header can be wrong."""
        key = self.keys.signing_key
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return self.compact(self.header(**header), claims or self.claims(), key.sign)

    def valid(self) -> str:
        return self.signed()


def _public_pem(target: Target) -> bytes:
    return target.keys.signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _raw_public(target: Target) -> bytes:
    return target.keys.signing_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def _hmac_with(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def _attacker_jwk() -> dict[str, Any]:
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(attacker_ed25519().public_key(), as_dict=True)
    return jwk


def _attacker_kid() -> str:
    return str(build_key_set(private_pem(attacker_ed25519())).signing_kid)


def _tampered_subject(target: Target) -> str:
    header, _claims, signature = target.valid().split(".")
    return f"{header}.{_segment(target.claims(sub=str(uuid.uuid4())))}.{signature}"


def _by_attacker(target: Target, **header: object) -> str:
    return target.compact(target.header(**header), target.claims(), attacker_ed25519().sign)


def _rs256_by_attacker(target: Target) -> str:
    return jwt.encode(
        target.claims(),
        attacker_rsa(),
        algorithm="RS256",
        headers={"kid": target.keys.signing_kid, "typ": ACCESS_TOKEN_HEADER_TYPE},
    )


Forgery = Callable[[Target], str]

FORGERIES: Final[list[Any]] = [
    pytest.param(lambda t: t.compact(t.header(alg="none"), t.claims()), id="alg none"),
    pytest.param(lambda t: t.compact(t.header(alg="None"), t.claims()), id="alg None"),
    pytest.param(
        lambda t: t.compact(t.header(alg="HS256"), t.claims(), _hmac_with(_public_pem(t))),
        id="HS256 keyed with the public key PEM",
    ),
    pytest.param(
        lambda t: t.compact(t.header(alg="HS256"), t.claims(), _hmac_with(_raw_public(t))),
        id="HS256 keyed with the raw public key",
    ),
    pytest.param(lambda t: t.signed(kid="not-a-key-we-know"), id="unknown kid"),
    pytest.param(lambda t: t.signed(kid=MISSING), id="no kid"),
    pytest.param(lambda t: t.signed(kid="../../etc/passwd"), id="path traversal in kid"),
    pytest.param(lambda t: t.signed(kid="' OR 1=1 --"), id="SQL injection in kid"),
    pytest.param(lambda t: t.signed(kid={"$ne": None}), id="kid that is an object"),
    pytest.param(lambda t: t.signed(kid=7), id="kid that is a number"),
    pytest.param(
        lambda t: _by_attacker(t, kid=_attacker_kid(), jwk=_attacker_jwk()),
        id="attacker key embedded as jwk",
    ),
    pytest.param(
        lambda t: _by_attacker(t, jwk=_attacker_jwk()),
        id="attacker key embedded as jwk under our kid",
    ),
    pytest.param(
        lambda t: _by_attacker(t, kid=_attacker_kid(), jku="https://attacker.example/jwks.json"),
        id="jku pointing elsewhere",
    ),
    pytest.param(
        lambda t: _by_attacker(t, jku="https://attacker.example/jwks.json"),
        id="jku pointing elsewhere under our kid",
    ),
    pytest.param(_by_attacker, id="another Ed25519 key with our kid"),
    pytest.param(_rs256_by_attacker, id="an RSA key with our kid and RS256"),
    pytest.param(_tampered_subject, id="tampered payload (another sub)"),
    pytest.param(
        lambda t: t.signed(
            t.claims(
                iat=int(time.time()) - 960, nbf=int(time.time()) - 960, exp=int(time.time()) - 60
            )
        ),
        id="expired",
    ),
    pytest.param(lambda t: t.signed(t.claims(exp="tomorrow")), id="exp not a number"),
    pytest.param(lambda t: t.signed(t.claims(nbf=int(time.time()) + 120)), id="nbf in the future"),
    pytest.param(lambda t: t.signed(t.claims(iat=int(time.time()) + 120)), id="iat in the future"),
    pytest.param(lambda t: t.signed(t.claims(aud="another-api")), id="wrong aud"),
    pytest.param(lambda t: t.signed(t.claims(aud=["another-api"])), id="aud list without ours"),
    pytest.param(lambda t: t.signed(t.claims(iss="https://attacker.example")), id="wrong iss"),
    pytest.param(lambda t: t.signed(t.claims(iss=t.issuer[:-1])), id="iss a part of ours"),
    *[
        pytest.param(
            lambda t, claim=claim: t.signed(t.claims(**{claim: MISSING})), id=f"no {claim}"
        )
        for claim in REQUIRED_CLAIMS
    ],
    pytest.param(lambda t: t.signed(t.claims(typ="refresh")), id="typ refresh"),
    pytest.param(lambda t: t.signed(typ="JWT"), id="header typ not at+jwt"),
    pytest.param(lambda t: t.signed(crit=["x-unknown"]), id="unknown critical header"),
    pytest.param(lambda t: t.signed(t.claims(sub="admin")), id="sub not a user id"),
    pytest.param(lambda t: secrets.token_urlsafe(32), id="an opaque refresh-style token"),
    pytest.param(lambda t: "not.a.jwt", id="garbage in three parts"),
    pytest.param(lambda t: t.valid().rsplit(".", 1)[0], id="signature cut off"),
]


@pytest.fixture(scope="module")
def keys() -> KeySet:
    return build_key_set(private_pem(ed25519.Ed25519PrivateKey.generate()))


@pytest.fixture
def target(keys: KeySet) -> Target:
    return Target(keys=keys, user_id=uuid.uuid4())


def verify(keys: KeySet, token: str) -> uuid.UUID:
    return verify_access_token(keys, token, issuer=ISSUER, audience=AUDIENCE).user_id


def test_an_issued_token_verifies_to_its_user(keys: KeySet) -> None:
    user_id = uuid.uuid4()
    issued = issue_access_token(
        keys, user_id=user_id, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=900
    )
    principal = verify_access_token(keys, issued.token, issuer=ISSUER, audience=AUDIENCE)
    assert principal.user_id == user_id
    assert principal.jti == issued.jti
    assert principal.expires_at - principal.issued_at == issued.expires_in == 900


def test_an_issued_token_names_its_key_and_type_in_the_header(keys: KeySet) -> None:
    issued = issue_access_token(
        keys, user_id=uuid.uuid4(), issuer=ISSUER, audience=AUDIENCE, ttl_seconds=60
    )
    header = jwt.get_unverified_header(issued.token)
    assert header == {"alg": "EdDSA", "kid": keys.signing_kid, "typ": "at+jwt"}


def test_every_token_gets_its_own_jti(keys: KeySet) -> None:
    jtis = {
        issue_access_token(
            keys, user_id=uuid.uuid4(), issuer=ISSUER, audience=AUDIENCE, ttl_seconds=60
        ).jti
        for _ in range(50)
    }
    assert len(jtis) == 50


def test_the_forgery_kit_makes_tokens_that_verify_when_nothing_is_wrong(target: Target) -> None:
    # Without this, a forgery could fail for a reason of the kit's own, not the one it names.
    assert verify(target.keys, target.valid()) == target.user_id


def test_a_token_within_the_clock_leeway_is_accepted(target: Target) -> None:
    early = target.signed(target.claims(nbf=int(time.time()) + 2, iat=int(time.time()) + 2))
    assert verify(target.keys, early) == target.user_id


@pytest.mark.parametrize("forge", FORGERIES)
def test_a_forged_or_invalid_token_is_refused(target: Target, forge: Forgery) -> None:
    with pytest.raises(Unauthenticated):
        verify(target.keys, forge(target))


def test_a_token_for_another_audience_or_issuer_setting_is_refused(target: Target) -> None:
    token = target.valid()
    with pytest.raises(Unauthenticated):
        verify_access_token(target.keys, token, issuer=ISSUER, audience="another-api")
    with pytest.raises(Unauthenticated):
        verify_access_token(target.keys, token, issuer="another-issuer", audience=AUDIENCE)


def test_a_token_signed_by_a_previous_key_verifies_while_that_key_is_listed() -> None:
    previous = ed25519.Ed25519PrivateKey.generate()
    old_keys = build_key_set(private_pem(previous))
    token = issue_access_token(
        old_keys, user_id=uuid.uuid4(), issuer=ISSUER, audience=AUDIENCE, ttl_seconds=60
    ).token
    previous_public = previous.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    current = private_pem(ed25519.Ed25519PrivateKey.generate())

    rotated = build_key_set(current, previous_public.decode())
    verify(rotated, token)
    with pytest.raises(Unauthenticated):
        verify(build_key_set(current), token)


def test_rsa_signing_keys_issue_rs256_tokens_that_verify() -> None:
    keys = build_key_set(private_pem(attacker_rsa()))
    user_id = uuid.uuid4()
    token = issue_access_token(
        keys, user_id=user_id, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=60
    ).token
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert verify(keys, token) == user_id


def _verifier(keys: KeySet, clock: Callable[[], float] = time.time) -> AccessTokenVerifier:
    return AccessTokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock)


def test_the_verifier_checks_a_tokens_signature_once_and_its_expiry_every_time(
    target: Target,
) -> None:
    now = [time.time()]
    verifier = _verifier(target.keys, lambda: now[0])
    token = target.valid()
    first = verifier.verify(token)
    assert verifier.verify(token) is first, "the second time from memory"
    now[0] = first.expires_at + 4  # past the expiry, within the leeway
    assert verifier.verify(token) == first
    now[0] = first.expires_at + 5
    with pytest.raises(Unauthenticated):
        verifier.verify(token)
    now[0] = first.expires_at  # forgotten once refused: verified afresh (and expired again)
    assert verifier.verify(token) == first


@pytest.mark.parametrize("forge", FORGERIES)
def test_the_verifier_refuses_every_forgery_however_often_it_is_sent(
    target: Target, forge: Forgery
) -> None:
    verifier = _verifier(target.keys)
    verifier.verify(target.valid())
    forged = forge(target)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            verifier.verify(forged)


def test_the_verifier_remembers_a_bounded_number_of_tokens(target: Target) -> None:
    verifier = AccessTokenVerifier(target.keys, issuer=ISSUER, audience=AUDIENCE, kept=3)
    issued = [target.valid() for _ in range(5)]
    for token in issued:
        verifier.verify(token)
    assert list(verifier._verified) == issued[2:]
