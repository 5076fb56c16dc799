"""PLACEHOLDER: functions.tasks functions are being built."""

from __future__ import annotations

from functions.core.errors import Unavailable
from functions.edge import Call, endpoint


@endpoint()
async def create_task(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def list_tasks(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def task_stats(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def bulk_update_tasks(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def get_task(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def update_task(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER


@endpoint()
async def delete_task(call: Call[None, None]) -> None:
    raise Unavailable("not built yet")  # PLACEHOLDER
