"""PLACEHOLDER: functions.comments functions are being built."""

from __future__ import annotations

from functions.core.errors import Unavailable
from functions.edge import Call, endpoint


@endpoint()
async def list_comments(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def add_comment(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def delete_comment(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER
