"""Attachment functions: files on tasks, uploaded by the browser to S3 (or, in the embedded
mode, to TaskFlow's own stand-ins for S3's presigned POST and GET, below) directly."""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Final

from starlette.datastructures import FormData, UploadFile
from starlette.responses import FileResponse, Response

from functions.core.attachments import local_store_of
from functions.core.attachments.local import FORM_FIELDS, UPLOAD_OVERHEAD, LocalStore
from functions.core.attachments.store import content_disposition
from functions.core.errors import NotFound
from functions.core.models.attachments import (
    AttachmentCreate,
    AttachmentPublic,
    AttachmentsPublic,
    AttachmentUpload,
)
from functions.core.services import attachments
from functions.edge import BadRequest, Call, endpoint
from functions.edge.parsing import read_form
from functions.sink import event_sink

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from functions.core.runtime import Runtime

# A field of the form (the policy is the longest, a few hundred bytes).
FIELD_LIMIT: Final = 16 * 1024
FILE_FIELD: Final = "file"
UPLOAD_FORM: Final = {
    "type": "object",
    "properties": {
        **{name: {"type": "string"} for name in FORM_FIELDS},
        FILE_FIELD: {"type": "string", "format": "binary"},
    },
    "required": [*FORM_FIELDS, FILE_FIELD],
    "additionalProperties": False,
}
# A stored file is served as a download, never as a page of this origin.
DOWNLOAD_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


@endpoint(response=AttachmentsPublic)
async def list_attachments(call: Call[None, None]) -> AttachmentsPublic:
    """A task's files, oldest first, each with a short-lived download link."""
    return await attachments.list_attachments(call.rt, call.user.user_id, call.path_uuid("task_id"))


@endpoint(body=AttachmentCreate, response=AttachmentUpload, status=201)
async def create_attachment(call: Call[AttachmentCreate, None]) -> AttachmentUpload:
    """Ask to attach a file: a pending attachment and the form that uploads it.

    Editors and owners. The answer's `upload` form takes exactly this file (its type and
    size), posted straight to the store; then confirm it with `complete`."""
    return await attachments.create_attachment(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.body
    )


@endpoint(response=AttachmentPublic)
async def complete_attachment(call: Call[None, None]) -> AttachmentPublic:
    """Confirm an upload: from then on the task lists the file.

    409 until the file is in the store; 422 (and the file deleted) if it is not the one
    announced. Again, it answers the same."""
    return await attachments.complete_attachment(
        call.rt, call.user.user_id, call.path_uuid("attachment_id")
    )


@endpoint(status=204)
async def delete_attachment(call: Call[None, None]) -> None:
    """Take a file off its task (editors and owners); the stored file is deleted after."""
    await attachments.delete_attachment(call.rt, call.user.user_id, call.path_uuid("attachment_id"))


@endpoint(auth=False, status=204, raw_body={"multipart/form-data": UPLOAD_FORM})
async def upload_attachment(call: Call[None, None]) -> None:
    """Upload a file through its form (the embedded mode's stand-in for S3's presigned POST).

    The form's fields, then the file; taken if the form is signed, unexpired and the file is
    the one it names. With a bucket set, uploads go to the bucket and this answers 404."""
    store = _local_store(call.rt)
    limit = call.rt.settings.attachment_max_bytes + UPLOAD_OVERHEAD
    form = await read_form(
        call.request, limit, max_fields=len(FORM_FIELDS) + 1, max_part_size=FIELD_LIMIT
    )
    try:
        fields, content = _form_parts(form)
        await store.accept_upload(fields, content)
    finally:
        await form.close()


@endpoint(auth=False, produces="*/*")
async def download_attachment(call: Call[None, None]) -> Response:
    """Download a file by its link (the embedded mode's stand-in for S3's presigned GET).

    The file a signed, unexpired link names, as a download under its name. With a bucket
    set, this answers 404."""
    stored = _local_store(call.rt).open_download(call.path_params.get("token", ""))
    response = FileResponse(stored.path, headers=DOWNLOAD_HEADERS)
    # Set as stored: FileResponse would add a charset to text types.
    response.headers["Content-Type"] = stored.content_type
    response.headers["Content-Disposition"] = content_disposition(stored.filename)
    return response


@event_sink
async def delete_attachment_objects(rt: Runtime, event: CloudEvent) -> None:
    """Delete the stored files an event leaves without a task: a deleted attachment's, or all
    of a deleted task's or project's. A failure is retried."""
    await attachments.delete_objects(rt, event)


def _local_store(rt: Runtime) -> LocalStore:
    store = local_store_of(rt)
    if store is None:
        raise NotFound("files are stored in the bucket: upload and download there")
    return store


def _form_parts(form: FormData) -> tuple[dict[str, str], IO[bytes]]:
    """The form's fields and its file, each given once and nothing else."""
    unknown = sorted(set(form.keys()) - {*FORM_FIELDS, FILE_FIELD})
    if unknown:
        raise BadRequest(400, "Bad request", f"the form has fields it should not: {unknown}")
    fields: dict[str, str] = {}
    for name in FORM_FIELDS:
        values = form.getlist(name)
        if len(values) != 1 or not isinstance(values[0], str):
            raise BadRequest(400, "Bad request", f"the form needs one {name} field")
        fields[name] = values[0]
    files = form.getlist(FILE_FIELD)
    if len(files) != 1:
        raise BadRequest(400, "Bad request", "the form needs the file, as its last part")
    found = files[0]
    # A file part; a plain field's text is taken as the file's bytes, as S3 takes it.
    content = found.file if isinstance(found, UploadFile) else io.BytesIO(found.encode())
    return fields, content
