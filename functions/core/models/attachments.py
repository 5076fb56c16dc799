"""Attachments on the wire: asking for an upload form, and the files on a task."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from functions.core.models.common import Public, Strict

AttachmentStatus = Literal["pending", "complete"]
# The largest object S3 holds; the settings' limit is what an upload may really be.
MAX_OBJECT_BYTES = 5 * 1024**4
_NAME_CHAR = r"[^\x00-\x1f\x7f]"
# A name as the browser gives it: no control characters (it goes into headers), not blank.
Filename = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=255,
        pattern=rf"^{_NAME_CHAR}*[^\x00-\x1f\x7f\s]{_NAME_CHAR}*$",
    ),
]
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
# `type/subtype`, without parameters; kept in lower case.
MediaType = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=rf"^{_TOKEN}/{_TOKEN}$"),
]


class AttachmentCreate(Strict):
    """What is about to be uploaded: the form that comes back takes exactly this file."""

    filename: Filename
    content_type: MediaType
    # Bytes; TASKFLOW_ATTACHMENT_MAX_BYTES at most.
    size: Annotated[int, Field(ge=0, le=MAX_OBJECT_BYTES)]


class AttachmentPublic(Public):
    id: uuid.UUID
    task_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    # pending until its upload is confirmed (`complete`); lists show complete ones only.
    status: AttachmentStatus
    uploader_id: uuid.UUID | None
    created_at: datetime
    completed_at: datetime | None
    # A short-lived link that saves the file under its name (null while pending).
    download_url: str | None = None


class AttachmentsPublic(Public):
    items: list[AttachmentPublic]


class UploadFormPublic(Public):
    """POST multipart/form-data to `url`: every field of `fields`, then the file as `file`
    (the last part), before `expires_at`. It answers 204 (S3 may answer 201 or 200)."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


class AttachmentUpload(Public):
    id: uuid.UUID
    attachment: AttachmentPublic
    upload: UploadFormPublic
