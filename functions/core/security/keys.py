"""Signing keys: one to sign with, any number to verify with, published as a JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey

EMBEDDED_KEY_FILE = "signing-key.pem"


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    algorithm: str
    key: PublicKey
    jwk: dict[str, Any]


@dataclass(frozen=True)
class KeySet:
    signing_key: PrivateKey
    signing_kid: str
    signing_algorithm: str
    verification_keys: dict[str, VerificationKey]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.jwk for k in self.verification_keys.values()]}


def _public_jwk(key: PublicKey) -> tuple[str, dict[str, Any]]:
    """The key's JWK with its RFC 7638 thumbprint as `kid`, and the JWS algorithm."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        algorithm, jwk = "EdDSA", OKPAlgorithm.to_jwk(key, as_dict=True)
        required = ("crv", "kty", "x")
    else:
        algorithm, jwk = "RS256", RSAAlgorithm.to_jwk(key, as_dict=True)
        required = ("e", "kty", "n")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return algorithm, {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}


def _verification_key(key: PublicKey) -> VerificationKey:
    algorithm, jwk = _public_jwk(key)
    return VerificationKey(kid=jwk["kid"], algorithm=algorithm, key=key, jwk=jwk)


def _load_private_key(pem: bytes) -> PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise ValueError("the signing key must be Ed25519 or RSA")
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        raise ValueError("an RSA signing key must have at least 2048 bits")
    return key


def _load_public_keys(pems: str) -> list[PublicKey]:
    keys: list[PublicKey] = []
    for block in pems.split("-----END PUBLIC KEY-----"):
        if "-----BEGIN PUBLIC KEY-----" not in block:
            continue
        key = serialization.load_pem_public_key(
            (block.strip() + "\n-----END PUBLIC KEY-----\n").encode()
        )
        if not isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
            raise ValueError("verification keys must be Ed25519 or RSA")
        keys.append(key)
    return keys


def _read_pem(value: str) -> bytes:
    """A PEM given inline, or the path of a file holding one."""
    if "-----BEGIN" in value:
        return value.encode()
    return Path(value).read_bytes()


def new_private_key_pem() -> bytes:
    """A fresh Ed25519 signing key, as unencrypted PKCS#8 PEM."""
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def embedded_private_key_pem(data_dir: Path) -> bytes:
    """The embedded mode's signing key, generated once and kept in its data directory."""
    path = data_dir / EMBEDDED_KEY_FILE
    if path.exists():
        return path.read_bytes()
    data_dir.mkdir(parents=True, exist_ok=True)
    pem = new_private_key_pem()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return pem


def build_key_set(private_pem: bytes, previous_public_pems: str = "") -> KeySet:
    signing_key = _load_private_key(private_pem)
    current = _verification_key(signing_key.public_key())
    keys = {current.kid: current}
    for public in _load_public_keys(previous_public_pems):
        extra = _verification_key(public)
        keys.setdefault(extra.kid, extra)
    return KeySet(
        signing_key=signing_key,
        signing_kid=current.kid,
        signing_algorithm=current.algorithm,
        verification_keys=keys,
    )


def load_key_set(private_key: str | None, previous_public_pems: str, data_dir: Path) -> KeySet:
    pem = _read_pem(private_key) if private_key else embedded_private_key_pem(data_dir)
    return build_key_set(pem, previous_public_pems)
