"""PLACEHOLDER: functions.projects functions are being built."""

from __future__ import annotations

from functions.core.errors import Unavailable
from functions.edge import Call, endpoint


@endpoint()
async def create_project(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def list_projects(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def get_project(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def update_project(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def delete_project(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def list_members(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def add_member(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def change_member_role(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def remove_member(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER
