"""Import functions: a Todoist CSV, a Trello board JSON or a TaskFlow export becomes a new
project, created in the background by `run_import`; its progress and each item's result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.datastructures import UploadFile

from functions.core.models.imports import ImportDetail, ImportPublic, ImportsPublic
from functions.core.services import imports
from functions.edge import BadRequest, Call, Reply, endpoint
from functions.edge.parsing import read_form
from functions.sink import event_sink

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from functions.core.runtime import Runtime

FILE_FIELD: Final = "file"
NAME_FIELD: Final = "name"
# The multipart parts around the file: its headers and the name field.
FORM_OVERHEAD: Final = 16 * 1024
IMPORT_FORM: Final = {
    "type": "object",
    "properties": {
        FILE_FIELD: {
            "type": "string",
            "format": "binary",
            "description": "A Todoist CSV export, a Trello board JSON export, or a TaskFlow "
            "export (JSON or CSV)",
        },
        NAME_FIELD: {"type": "string", "maxLength": 100, "description": "The project's name"},
    },
    "required": [FILE_FIELD],
    "additionalProperties": False,
}


@endpoint(
    response=ImportPublic,
    status=202,
    raw_body={"multipart/form-data": IMPORT_FORM},
    responses={200: "The same file was imported before by the caller: that import"},
)
async def import_project(call: Call[None, None]) -> Reply:
    """Import a file into a new project, in the background: 202 with the queued import, or
    200 with the earlier import of the same file. A bad file is a 422 naming its line or
    card; a file over the limit is a 413. Poll `GET /api/imports/{id}` for its progress."""
    limit = call.rt.settings.import_max_bytes
    form = await read_form(
        call.request, limit + FORM_OVERHEAD, max_fields=2, max_part_size=FORM_OVERHEAD
    )
    try:
        unknown = sorted(set(form.keys()) - {FILE_FIELD, NAME_FIELD})
        if unknown:
            raise BadRequest(400, "Bad request", f"the form has fields it should not: {unknown}")
        files = form.getlist(FILE_FIELD)
        if len(files) != 1 or not isinstance(files[0], UploadFile):
            raise BadRequest(400, "Bad request", "the form needs one file, in its `file` part")
        names = form.getlist(NAME_FIELD)
        if len(names) > 1 or not all(isinstance(n, str) for n in names):
            raise BadRequest(400, "Bad request", "the form takes at most one `name` field")
        upload = files[0]
        content = await upload.read(limit + 1)
        if len(content) > limit:
            raise BadRequest(413, "Content too large", f"imports are limited to {limit} bytes")
        name = str(names[0]) if names else None
        found, new = await imports.start_import(
            call.rt, call.user.user_id, upload.filename or "import", content, name
        )
    finally:
        await form.close()
    return Reply(found, status=202 if new else 200)


@endpoint(response=ImportsPublic)
async def list_imports(call: Call[None, None]) -> ImportsPublic:
    """The caller's imports, newest first (at most 50)."""
    return await imports.list_imports(call.rt, call.user.user_id)


@endpoint(response=ImportDetail)
async def get_import(call: Call[None, None]) -> ImportDetail:
    """One of the caller's imports, with the result of each item processed so far."""
    return await imports.get_import(call.rt, call.user.user_id, call.path_uuid("import_id"))


@event_sink
async def run_import(rt: Runtime, event: CloudEvent) -> None:
    """Create an import's project and tasks, or resume it where a delivery stopped."""
    await imports.run_import(rt, event)
