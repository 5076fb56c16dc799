"""Personal access tokens: their format, made and checked in this one place.

A token is `tfp_` + 36 random base62 characters + 6 base62 characters holding the CRC32 of
the random part (zero-padded, most significant digit first), 46 characters in all. The prefix
lets secret scanners recognise one, and the checksum lets them (and us, before any lookup)
tell a real token from a typo offline. Only the SHA-256 (hex) of the whole token is stored.
"""

from __future__ import annotations

import re
import secrets
import string
import zlib
from typing import Final

from functions.core.security.digests import secret_hash

PREFIX: Final = "tfp_"
RANDOM_CHARS: Final = 36
CHECKSUM_CHARS: Final = 6
TOKEN_CHARS: Final = len(PREFIX) + RANDOM_CHARS + CHECKSUM_CHARS
BASE62: Final = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SHAPE: Final = re.compile(rf"{PREFIX}[0-9A-Za-z]{{{RANDOM_CHARS + CHECKSUM_CHARS}}}")


def is_personal_token(token: str) -> bool:
    """Whether a bearer token claims to be a personal access token (the prefix alone)."""
    return token.startswith(PREFIX)


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(BASE62[digit])
    return "".join(reversed(digits))


def checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode()), CHECKSUM_CHARS)


def new_token() -> str:
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_CHARS))
    return PREFIX + random_part + checksum(random_part)


def well_formed(token: str) -> bool:
    """The prefix, the length, the alphabet and the checksum all hold."""
    if _SHAPE.fullmatch(token) is None:
        return False
    random_part = token[len(PREFIX) : len(PREFIX) + RANDOM_CHARS]
    return secrets.compare_digest(token[-CHECKSUM_CHARS:], checksum(random_part))


def token_hash(token: str) -> str:
    """What is stored and looked up: the SHA-256 (hex) of the whole token."""
    return secret_hash(token)
