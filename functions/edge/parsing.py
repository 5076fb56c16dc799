"""Reading a request: its body within a size limit, JSON into a model, the query string."""

from __future__ import annotations

from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message

from functions.core.errors import validation_errors
from functions.edge.problems import BadRequest


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    # ASCII digits only ("²".isdigit() holds), and few enough for int() to take.
    if declared is not None and (
        not (declared.isascii() and declared.isdigit())
        or len(declared) > 19
        or int(declared) > limit
    ):
        raise BadRequest(413, "Content too large", f"bodies are limited to {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BadRequest(413, "Content too large", f"bodies are limited to {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise BadRequest(400, "Bad request", "the client went away mid-body") from exc
    return b"".join(chunks)


async def read_form(
    request: Request, limit: int, *, max_fields: int, max_part_size: int
) -> FormData:
    """The multipart form, refused past `limit` bytes (413), not multipart (415) or
    malformed (400): at most one file and `max_fields` parts, each field within
    `max_part_size` bytes."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise BadRequest(415, "Unsupported media type", "post the form as multipart/form-data")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise _too_large(limit)
        return message

    bounded = Request(request.scope, receive)
    try:
        return await bounded.form(max_files=1, max_fields=max_fields, max_part_size=max_part_size)
    except HTTPException as exc:  # python-multipart's refusal, as Starlette words it
        raise BadRequest(400, "Bad request", str(exc.detail)) from exc
    except ClientDisconnect as exc:
        raise BadRequest(400, "Bad request", "the client went away mid-body") from exc


def _too_large(limit: int) -> BadRequest:
    return BadRequest(413, "Content too large", f"uploads are limited to {limit} bytes")


async def parse_body(
    request: Request, model: type[BaseModel], limit: int, *, optional: bool = False
) -> BaseModel | None:
    if optional and not request.headers.get("content-type") and not _has_body(request):
        return None
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise BadRequest(415, "Unsupported media type", "send the body as application/json")
    raw = await read_body(request, limit)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = validation_errors(exc)
        if any(e["type"] in ("json_invalid", "json_type") for e in errors):
            raise BadRequest(400, "Malformed JSON", "the body is not valid UTF-8 JSON") from exc
        raise BadRequest(
            422, "Invalid input", "the body does not match the schema", errors=errors
        ) from exc


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return length not in (None, "0") or "transfer-encoding" in request.headers


def parse_query(request: Request, model: type[BaseModel]) -> BaseModel:
    params: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    # A field typed as a list takes every value; any other takes the single one given.
    flat = {
        name: values if _is_list_field(model, name) else (values[0] if len(values) == 1 else values)
        for name, values in params.items()
    }
    try:
        return model.model_validate(flat)
    except ValidationError as exc:
        raise BadRequest(
            422,
            "Invalid input",
            "the query string does not match the schema",
            errors=validation_errors(exc),
        ) from exc


def _is_list_field(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields.get(name)
    if info is None:
        return False
    annotation = info.annotation
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return any(get_origin(option) is list for option in (annotation, *options))
