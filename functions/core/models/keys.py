"""The published verification keys on the wire."""

from __future__ import annotations

from typing import Any

from functions.core.models.common import Public


class Jwks(Public):
    keys: list[dict[str, Any]]
