"""The personal access token format: prefix, random part, CRC32 checksum in base62."""

from __future__ import annotations

import re
import zlib

from functions.core.security.personal_tokens import (
    BASE62,
    PREFIX,
    TOKEN_CHARS,
    is_personal_token,
    new_token,
    token_hash,
    well_formed,
)


def _decode(digits: str) -> int:
    value = 0
    for digit in digits:
        value = value * 62 + BASE62.index(digit)
    return value


def test_a_new_token_has_the_prefix_random_part_and_checksum() -> None:
    token = new_token()
    assert re.fullmatch(r"tfp_[0-9A-Za-z]{42}", token)
    assert len(token) == TOKEN_CHARS == 46
    assert is_personal_token(token)
    assert well_formed(token)
    assert _decode(token[-6:]) == zlib.crc32(token[len(PREFIX) : -6].encode())
    assert new_token() != token


def test_a_changed_character_breaks_the_checksum() -> None:
    token = new_token()
    changed = token[:10] + ("a" if token[10] != "a" else "b") + token[11:]
    assert not well_formed(changed)
    assert not well_formed(token[:-1])
    assert not well_formed(token + "x")
    assert not well_formed(token.replace(PREFIX, "tfx_"))
    assert not well_formed(token[:-1] + "-")


def test_only_the_hash_of_the_whole_token_is_kept() -> None:
    token = new_token()
    assert re.fullmatch(r"[0-9a-f]{64}", token_hash(token))
    assert token_hash(token) != token_hash(new_token())


def test_a_jwt_is_not_taken_for_a_personal_token() -> None:
    assert not is_personal_token("eyJhbGciOiJFUzI1NiJ9.e30.sig")  # pragma: allowlist secret
