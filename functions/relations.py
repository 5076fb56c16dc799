"""Relation functions: links between tasks (blocks, relates to, duplicates)."""

from __future__ import annotations

from functions.edge import Call, endpoint


@endpoint()
async def list_relations(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def add_relation(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def remove_relation(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError
