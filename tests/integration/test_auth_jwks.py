"""The published keys (JWKS), and signing-key rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from httpx import AsyncClient

from functions.core.runtime import Runtime
from functions.core.security.keys import new_private_key_pem
from tests.support import PASSWORD, assert_problem, serve, signup

JWKS_ADDRESSES = ("/api/auth/jwks", "/.well-known/jwks.json")


def verify_with_jwks(jwks: dict[str, Any], token: str, rt: Runtime) -> dict[str, Any]:
    """What any other service would do: pick the key by kid from the published set."""
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=[key.algorithm_name],
        audience=rt.settings.jwt_audience,
        issuer=rt.settings.jwt_issuer,
    )
    return claims


def public_pem_of(rt: Runtime) -> str:
    return (
        rt.keys.signing_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def backend_runtime(backend: str, pg_runtime: Runtime, embedded_runtime: Runtime) -> Runtime:
    """The runtime behind `any_api` in this run of the test."""
    return pg_runtime if backend == "postgres" else embedded_runtime


@pytest.fixture
async def rotated(pg_runtime: Runtime) -> AsyncIterator[Runtime]:
    """The same servers after a key rotation: a new signing key, the old one kept to verify."""
    rt = Runtime(
        pg_runtime.settings.model_copy(
            update={
                "jwt_private_key": new_private_key_pem().decode(),
                "jwt_previous_public_keys": public_pem_of(pg_runtime),
            }
        )
    )
    yield rt
    await rt.close()


@pytest.fixture
async def retired(pg_runtime: Runtime) -> AsyncIterator[Runtime]:
    """The same servers after the old key was dropped from the verification keys too."""
    rt = Runtime(
        pg_runtime.settings.model_copy(update={"jwt_private_key": new_private_key_pem().decode()})
    )
    yield rt
    await rt.close()


async def test_the_jwks_is_served_at_both_addresses(any_api: AsyncClient) -> None:
    responses = [await any_api.get(address) for address in JWKS_ADDRESSES]

    for response in responses:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert "public" in response.headers["cache-control"]
    assert responses[0].json() == responses[1].json()
    for jwk in responses[0].json()["keys"]:
        assert {"kty", "kid", "alg", "use"} <= set(jwk)
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)


@pytest.mark.parametrize("address", JWKS_ADDRESSES)
async def test_an_access_token_verifies_against_the_served_jwks(
    any_api: AsyncClient, backend_runtime: Runtime, address: str
) -> None:
    user = await signup(any_api)
    jwks = (await any_api.get(address)).json()

    claims = verify_with_jwks(jwks, user.access_token, backend_runtime)

    assert claims["sub"] == str(user.id)
    assert claims["typ"] == "access"


async def test_a_token_signed_by_the_previous_key_still_works_after_a_rotation(
    api: AsyncClient, pg_runtime: Runtime, rotated: Runtime
) -> None:
    user = await signup(api)  # signed before the rotation

    async with serve(rotated) as after:
        me = await after.get("/api/auth/me", headers=user.headers)
        jwks = (await after.get("/.well-known/jwks.json")).json()
        signed_in = await after.post(
            "/api/auth/login", json={"email": user.email, "password": PASSWORD}
        )

    assert me.status_code == 200, me.text
    assert {jwk["kid"] for jwk in jwks["keys"]} == {
        pg_runtime.keys.signing_kid,
        rotated.keys.signing_kid,
    }
    new_token = signed_in.json()["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == rotated.keys.signing_kid
    assert verify_with_jwks(jwks, user.access_token, rotated)["sub"] == str(user.id)
    assert verify_with_jwks(jwks, new_token, rotated)["sub"] == str(user.id)


async def test_a_token_signed_by_a_retired_key_is_refused(
    api: AsyncClient, retired: Runtime
) -> None:
    user = await signup(api)

    async with serve(retired) as after:
        response = await after.get("/api/auth/me", headers=user.headers)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
