"""The JSON Schemas of TaskFlow's events: the documents their `dataschema` attributes name.

A module of its own so that its process loads no database or Redis client: the schemas are
files committed with the code, served as they are stored.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Final

from starlette.responses import Response

from events.models import DATA_MODELS
from events.schemas import path_of
from functions.core.errors import NotFound
from functions.edge import Call, endpoint

SCHEMA_MEDIA_TYPE: Final = "application/schema+json"
SCHEMA_CACHE_CONTROL: Final = "public, max-age=3600"


@endpoint(auth=False, produces=SCHEMA_MEDIA_TYPE)
async def get_event_schema(call: Call[None, None]) -> Response:
    """The JSON Schema of one event type's data: the document its `dataschema` names."""
    event_type = call.path_params.get("event_type", "")
    if event_type not in DATA_MODELS:
        raise NotFound("no such event type", known_types=sorted(DATA_MODELS))
    document, tag = _schema_document(event_type)
    headers = {"ETag": tag, "Cache-Control": SCHEMA_CACHE_CONTROL}
    if _none_match(call.request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(document, media_type=SCHEMA_MEDIA_TYPE, headers=headers)


@cache
def _schema_document(event_type: str) -> tuple[bytes, str]:
    """The committed schema file and its entity tag (files change only with a release)."""
    document = path_of(event_type).read_bytes()
    return document, f'"{hashlib.sha256(document).hexdigest()[:32]}"'


def _none_match(header: str | None, tag: str) -> bool:
    if header is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or tag in tags
