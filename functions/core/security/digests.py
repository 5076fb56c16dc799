"""What TaskFlow stores of the random secrets it hands out: their SHA-256.

Refresh tokens, personal access tokens, calendar feed URLs and mailed account links all
carry at least 128 random bits, so a plain, unsalted SHA-256 is enough to keep them safely
and lets a presented secret be found by an indexed lookup.
"""

from __future__ import annotations

import hashlib


def secret_hash(secret: str) -> str:
    """The SHA-256 (64 hex digits) of a random secret: what is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()
