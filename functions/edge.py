"""The HTTP edge every function shares: parse, authenticate, call, answer, map errors.

A handler is `async def name(call: Call[Body, Query]) -> Model | Reply | Response | None`,
wrapped by `@endpoint(...)`, which also registers it with functions-framework as an ASGI HTTP
function. A handler returns a ready Response only for what Reply cannot carry (a CloudEvent
whose headers the codec wrote, a document served as it is stored).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from types import UnionType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union, cast, get_args, get_origin

from functions_framework import aio
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from functions.core import runtime
from functions.core.errors import DomainError, NotFound, Unauthenticated
from functions.core.observability import continue_trace, current_function, current_trace
from functions.routes import routes_for

if TYPE_CHECKING:
    from functions.core.security.tokens import Principal

log = logging.getLogger("taskflow.edge")
request_log = logging.getLogger("taskflow.request")

PROBLEM_JSON = "application/problem+json"
# Every function process answers its probes here, whatever its target: 200 once its
# settings are valid, so a misconfigured revision never becomes ready.
LIVENESS_PATH = "/healthz"
LIVENESS_BODY = '{"status":"ok"}'
BodyT = TypeVar("BodyT", bound=BaseModel | None)
QueryT = TypeVar("QueryT", bound=BaseModel | None)


@dataclass(frozen=True)
class EndpointSpec:
    """What the gateway's OpenAPI document says about a function."""

    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    summary: str
    body_optional: bool = False
    # Request headers the function reads, with what each means (for the OpenAPI document).
    headers: Mapping[str, str] = field(default_factory=dict)
    # A body the handler reads itself (no `body` model): each media type and its JSON Schema.
    raw_body: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The media type of a success body that is not JSON (a stream, a stored document).
    produces: str | None = None


@dataclass
class Reply:
    """A response with more than a body: another status, headers or cookies."""

    body: BaseModel | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Call(Generic[BodyT, QueryT]):
    request: Request
    path_params: Mapping[str, str]
    body: BodyT
    query: QueryT
    principal: Principal | None

    @property
    def rt(self) -> runtime.Runtime:
        return runtime.current()

    @property
    def user(self) -> Principal:
        if self.principal is None:  # only reachable if a handler with auth=False asks
            raise Unauthenticated("sign in first")
        return self.principal

    def path_uuid(self, name: str) -> uuid.UUID:
        """A path id; one that cannot exist is simply not found."""
        try:
            return uuid.UUID(self.path_params[name])
        except (KeyError, ValueError) as exc:
            raise NotFound(f"no such {name.removesuffix('_id')}") from exc

    @property
    def client_address(self) -> str:
        if self.rt.settings.trust_forwarded_for:
            forwarded = self.request.headers.get("x-forwarded-for", "")
            if forwarded:
                return forwarded.rsplit(",", 1)[-1].strip()
        return self.request.client.host if self.request.client else "unknown"


Handler = Callable[[Call[Any, Any]], Awaitable[BaseModel | Reply | Response | None]]


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    instance: str = "",
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    response_headers = dict(headers or {})
    if "retry_after" in extra:
        response_headers["Retry-After"] = str(extra["retry_after"])
    return Response(
        json.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=response_headers
    )


class BadRequest(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
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


async def _parse_body(
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
        errors = _validation_errors(exc)
        if any(e["type"] in ("json_invalid", "json_type") for e in errors):
            raise BadRequest(400, "Malformed JSON", "the body is not valid UTF-8 JSON") from exc
        raise BadRequest(
            422, "Invalid input", "the body does not match the schema", errors=errors
        ) from exc


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return length not in (None, "0") or "transfer-encoding" in request.headers


def _parse_query(request: Request, model: type[BaseModel]) -> BaseModel:
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
            errors=_validation_errors(exc),
        ) from exc


def _is_list_field(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields.get(name)
    if info is None:
        return False
    annotation = info.annotation
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return any(get_origin(option) is list for option in (annotation, *options))


def is_liveness_probe(request: Request) -> bool:
    return request.method == "GET" and request.url.path == LIVENESS_PATH


async def _authenticate(request: Request) -> Principal:
    # Imported on first use: functions that take no token (healthz) skip JWT and Redis.
    from functions.core.security.access import authenticate

    return await authenticate(runtime.current(), _bearer_token(request))


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an access token as 'Authorization: Bearer <token>'")
    return token.strip()


def _render(result: BaseModel | Reply | Response | None, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    reply = result if isinstance(result, Reply) else Reply(result, status=default_status)
    if reply.body is None:
        response = Response(status_code=204 if reply.status == 200 else reply.status)
    else:
        response = Response(
            reply.body.model_dump_json(),
            status_code=reply.status,
            media_type="application/json",
        )
    for name, value in reply.headers.items():
        response.headers[name] = value
    for cookie in reply.cookies:
        response.set_cookie(**cookie)
    return response


def endpoint(
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    body_optional: bool = False,
    headers: Mapping[str, str] | None = None,
    raw_body: Mapping[str, Mapping[str, Any]] | None = None,
    produces: str | None = None,
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Make `handler` a functions-framework HTTP function with TaskFlow's edge around it.

    `body`/`query` are the models the request is validated with (422 on a mismatch),
    `response` and `status` document the answer, `auth` requires a valid access token,
    `body_optional` lets a request without any body through with `call.body = None`,
    `headers` documents the request headers the handler reads, `raw_body` the media types
    (with their schemas) of a body it reads itself with `read_body`, and `produces` the media
    type of a success body that is not JSON.
    """

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        name = handler.__name__
        routes = routes_for(name)
        if not routes:
            raise LookupError(f"{name} is not in the route table")

        methods = sorted({r.method for r in routes})

        async def answer(request: Request) -> Response:
            path = request.url.path
            if request.method not in methods and not is_liveness_probe(request):
                # A lone function process gets every method: it does only what its routes say.
                return problem(
                    405,
                    "Method not allowed",
                    f"{path} takes {', '.join(methods)}",
                    instance=path,
                    headers={"Allow": ", ".join(methods)},
                )
            try:
                settings = runtime.current().settings  # a misconfigured process fails here
                if is_liveness_probe(request):
                    return Response(LIVENESS_BODY, media_type="application/json")
                params = next((m for r in routes if (m := r.match(path)) is not None), {})
                principal = None
                if auth:
                    principal = await _authenticate(request)
                call: Call[Any, Any] = Call(
                    request=request,
                    path_params=params,
                    body=await _parse_body(
                        request, body, settings.max_body_bytes, optional=body_optional
                    )
                    if body
                    else None,
                    query=_parse_query(request, query) if query else None,
                    principal=principal,
                )
                return _render(await handler(call), status)
            except BadRequest as exc:
                return problem(exc.status, exc.title, exc.detail, instance=path, **exc.extra)
            except DomainError as exc:
                refusal = problem(exc.status, exc.title, exc.detail, instance=path, **exc.extra)
                if isinstance(exc, Unauthenticated):
                    refusal.headers["WWW-Authenticate"] = 'Bearer realm="taskflow"'
                return refusal
            except Exception as exc:
                return unexpected_error(exc, path)

        function = wraps(handler)(served(name, answer))
        function.__taskflow_spec__ = EndpointSpec(  # type: ignore[attr-defined]
            body=body,
            query=query,
            response=response,
            status=status,
            auth=auth,
            summary=(handler.__doc__ or name.replace("_", " ")).strip().splitlines()[0],
            body_optional=body_optional,
            headers=dict(headers or {}),
            raw_body=dict(raw_body or {}),
            produces=produces,
        )
        return cast(Callable[[Request], Awaitable[Response]], aio.http(function))

    return wrap


def served(
    name: str, answer: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """`answer` as the function `name`: in the caller's trace (or a new one), logged once."""

    async def function(request: Request) -> Response:
        started = time.perf_counter()
        trace = current_trace.set(continue_trace(request.headers.get("traceparent")))
        serving = current_function.set(name)
        try:
            answered = await answer(request)
            log_request(request, name, answered.status_code, started)
            return answered
        finally:
            current_function.reset(serving)
            current_trace.reset(trace)

    return function


def log_request(request: Request, target: str, status: int, started: float) -> None:
    """One line per request (in place of an access log, which costs far more)."""
    if request_log.isEnabledFor(logging.INFO):
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        request_log.info(
            "%s %s %d",
            request.method,
            request.url.path,
            status,
            extra={
                "fields": {
                    "http": {
                        "method": request.method,
                        "path": request.url.path,
                        "status": status,
                        "duration_ms": elapsed_ms,
                    },
                    "function": target,
                }
            },
        )


def unexpected_error(exc: Exception, path: str) -> Response:
    """Servers we depend on being down is a 503 to retry; anything else is our bug, a 500."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    # OperationalError: refused or lost connections, deadlocks, serialization failures.
    retryable = (
        RedisConnectionError
        | RedisTimeoutError
        | OperationalError
        | InterfaceError
        | PoolTimeoutError
    )
    if isinstance(exc, retryable) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        log.warning("dependency unavailable on %s: %s", path, exc)
        return problem(503, "Service unavailable", "try again shortly", instance=path)
    log.exception("unhandled error on %s", path)
    return problem(500, "Internal server error", instance=path)


def spec_of(function: Callable[..., Any]) -> EndpointSpec:
    return cast(EndpointSpec, function.__taskflow_spec__)  # type: ignore[attr-defined]
