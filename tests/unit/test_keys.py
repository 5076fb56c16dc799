"""Key sets: thumbprint key ids, the published JWKS, and which keys are accepted."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

from functions.core.security.keys import build_key_set

# RFC 8037, appendix A.2 and A.3: an Ed25519 public key and its RFC 7638 thumbprint.
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
# RFC 7638, section 3.1: an RSA public key and its thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq"
    "Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu"
    "0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def private_pem(
    key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: ed25519.Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def new_ed25519_pem() -> bytes:
    return private_pem(ed25519.Ed25519PrivateKey.generate())


def test_an_ed25519_key_id_is_its_rfc_7638_thumbprint() -> None:
    public = OKPAlgorithm.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X})
    assert isinstance(public, ed25519.Ed25519PublicKey)

    keys = build_key_set(new_ed25519_pem(), public_pem(public))

    assert RFC8037_THUMBPRINT in keys.verification_keys
    assert keys.verification_keys[RFC8037_THUMBPRINT].algorithm == "EdDSA"


def test_an_rsa_key_id_is_its_rfc_7638_thumbprint() -> None:
    public = RSAAlgorithm.from_jwk({"kty": "RSA", "n": RFC7638_N, "e": "AQAB"})
    assert isinstance(public, rsa.RSAPublicKey)

    keys = build_key_set(new_ed25519_pem(), public_pem(public))

    assert RFC7638_THUMBPRINT in keys.verification_keys
    assert keys.verification_keys[RFC7638_THUMBPRINT].algorithm == "RS256"


def test_the_jwks_publishes_the_signing_key_without_its_private_part() -> None:
    keys = build_key_set(new_ed25519_pem())

    (jwk,) = keys.jwks()["keys"]

    assert jwk["kid"] == keys.signing_kid
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert "d" not in jwk


def test_the_key_id_does_not_change_between_loads_of_the_same_key() -> None:
    pem = new_ed25519_pem()
    assert build_key_set(pem).signing_kid == build_key_set(pem).signing_kid
    assert build_key_set(pem).signing_kid != build_key_set(new_ed25519_pem()).signing_kid


def test_previous_public_keys_separated_by_blank_lines_are_all_accepted() -> None:
    first = ed25519.Ed25519PrivateKey.generate().public_key()
    second = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    previous = public_pem(first) + "\n\n" + public_pem(second)

    keys = build_key_set(new_ed25519_pem(), previous)

    assert len(keys.verification_keys) == 3
    assert len(keys.jwks()["keys"]) == 3
    assert {k.algorithm for k in keys.verification_keys.values()} == {"EdDSA", "RS256"}
    assert all("d" not in jwk for jwk in keys.jwks()["keys"])


def test_the_signing_key_listed_again_as_a_previous_key_is_published_once() -> None:
    signing = ed25519.Ed25519PrivateKey.generate()

    keys = build_key_set(private_pem(signing), public_pem(signing.public_key()))

    assert list(keys.verification_keys) == [keys.signing_kid]


def test_an_rsa_signing_key_signs_with_rs256() -> None:
    keys = build_key_set(
        private_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    )

    assert keys.signing_algorithm == "RS256"
    assert keys.jwks()["keys"][0]["kty"] == "RSA"


def test_a_short_rsa_signing_key_is_refused() -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with pytest.raises(ValueError, match="2048"):
        build_key_set(private_pem(short))


def test_an_elliptic_curve_signing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="Ed25519 or RSA"):
        build_key_set(private_pem(ec.generate_private_key(ec.SECP256R1())))


def test_an_elliptic_curve_previous_key_is_refused() -> None:
    previous = public_pem(ec.generate_private_key(ec.SECP256R1()).public_key())
    with pytest.raises(ValueError, match="Ed25519 or RSA"):
        build_key_set(new_ed25519_pem(), previous)
