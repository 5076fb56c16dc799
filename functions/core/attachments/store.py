"""Where attachments' bytes live, behind one Protocol: S3 (s3.py) or, in the embedded mode, the
data directory (local.py). Either way the browser uploads and downloads the bytes itself,
through a signed form and a signed link; the functions only sign, check and delete.

An object's key is `{project_id}/{task_id}/{attachment_id}`, so deleting a task or a project
deletes its objects by prefix.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol
from urllib.parse import quote

# What an ASCII fallback file name keeps; anything else becomes "_".
_FALLBACK_SAFE: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$&+,-.;=@^_`{}~()[]"
)


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST: the client posts every field of `fields`, then the file as `file`
    (last), as multipart/form-data to `url`, before `expires_at`."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    """What the store holds under a key. `content_type` None: the store took the file only
    as its form's policy allowed (the embedded store keeps no type of its own)."""

    size: int
    content_type: str | None


@dataclass(frozen=True)
class Download:
    """A link to make: the object, and the name and type the browser is given with it."""

    key: str
    filename: str
    content_type: str


class AttachmentStore(Protocol):
    async def upload_form(
        self, key: str, content_type: str, size: int, expires_at: datetime
    ) -> UploadForm:
        """A form that takes exactly `size` bytes of `content_type` under `key`, until then."""

    async def stat(self, key: str) -> StoredObject | None:
        """The object under `key`, or None when nothing was uploaded there."""

    async def download_urls(self, downloads: Sequence[Download], expires_at: datetime) -> list[str]:
        """A signed link for each, good until `expires_at`, saving the file under its name."""

    async def delete(self, keys: Sequence[str]) -> None:
        """Delete these objects (those already gone are no error); raises if any stays."""

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix`; how many went."""


def object_key(project_id: uuid.UUID, task_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    return f"{project_id}/{task_id}/{attachment_id}"


def task_prefix(project_id: uuid.UUID, task_id: uuid.UUID) -> str:
    return f"{project_id}/{task_id}/"


def project_prefix(project_id: uuid.UUID) -> str:
    return f"{project_id}/"


def content_disposition(filename: str) -> str:
    """`attachment` with the name in UTF-8 (RFC 6266, RFC 8187), and an ASCII fallback for
    clients that read only `filename`."""
    fallback = "".join(c if c in _FALLBACK_SAFE else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
