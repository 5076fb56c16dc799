"""Export functions: a project as a JSON or CSV file, streamed as it is read."""

from __future__ import annotations

from typing import Final

from starlette.responses import Response, StreamingResponse

from functions.core.attachments.store import content_disposition
from functions.core.exports import MEDIA_TYPES
from functions.core.models.exports import ExportQuery
from functions.core.services import exports
from functions.edge import Call, endpoint

# A project's tasks are for the person who asked: no cache keeps them, no browser sniffs them.
EXPORT_HEADERS: Final = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@endpoint(query=ExportQuery, produces=tuple(MEDIA_TYPES.values()))
async def export_project(call: Call[None, ExportQuery]) -> Response:
    """Download a project: every task with its comments, as JSON or CSV (any member).

    `format=json` (the default) is one `taskflow.project` document; `format=csv` a row per
    task. Either is sent as it is read, so a project of any size streams; both import again."""
    export = await exports.export_project(
        call.rt, call.user.user_id, call.path_uuid("project_id"), call.query.format
    )
    # The request timeout bounds the answer's start, not its body (functions.edge.serving).
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={**EXPORT_HEADERS, "Content-Disposition": content_disposition(export.filename)},
    )
