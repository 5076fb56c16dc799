"""Attachment functions: files on tasks, uploaded to S3 (or the embedded store) directly."""

from __future__ import annotations

from functions.edge import Call, endpoint
from functions.sink import event_sink


@endpoint()
async def list_attachments(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def create_attachment(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def complete_attachment(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def delete_attachment(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def upload_attachment(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def download_attachment(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@event_sink
async def delete_attachment_objects(*args: object) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError
