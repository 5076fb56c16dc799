"""HTTP endpoints: parse, authenticate, call, answer.

A handler is `async def name(call: Call[Body, Query]) -> Model | Reply | Response | None`,
wrapped by `@endpoint(...)`, which also registers it with functions-framework as an ASGI HTTP
function. A handler returns a ready Response only for what Reply cannot carry (a CloudEvent
whose headers the codec wrote, a document served as it is stored).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from functions_framework import aio
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from functions.core import runtime
from functions.core.errors import Forbidden, NotFound, Unauthenticated
from functions.edge.parsing import parse_body, parse_query
from functions.edge.problems import error_response, problem
from functions.edge.serving import is_liveness_probe, liveness, served
from functions.routes import Route, methods_at, routes_for, shadowed

if TYPE_CHECKING:
    from functions.core.security.tokens import Principal

BodyT = TypeVar("BodyT", bound=BaseModel | None)
QueryT = TypeVar("QueryT", bound=BaseModel | None)


@dataclass(frozen=True)
class Header:
    """A request header a function reads, described more closely than by its meaning alone."""

    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


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
    headers: Mapping[str, str | Header] = field(default_factory=dict)
    # A body the handler reads itself (no `body` model): each media type and its JSON Schema.
    raw_body: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The media type of a success body that is not JSON (a stream, a stored document), or the
    # media types of one the request chooses among.
    produces: str | tuple[str, ...] | None = None
    # Other answers without a body (a 304), each with what it means.
    responses: Mapping[int, str] = field(default_factory=dict)

    @property
    def success_media_types(self) -> tuple[str, ...]:
        """The media types a success body may have."""
        if self.produces is None:
            return ("application/json",)
        return (self.produces,) if isinstance(self.produces, str) else self.produces


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
    # The process's runtime, handed over by the edge as event sinks are handed theirs.
    rt: runtime.Runtime

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


async def _authenticate(rt: runtime.Runtime, request: Request) -> Principal:
    # Imported on first use: functions that take no token (healthz) skip JWT and Redis.
    from functions.core.security.access import authenticate

    return await authenticate(rt, _bearer_token(request))


def _require_scope(principal: Principal, routes: Sequence[Route], method: str, path: str) -> None:
    """A personal access token may use a route only with the scope the route table names."""
    route = next((r for r in routes if r.method == method and r.match(path) is not None), None)
    scope = route.scope if route is not None else None
    if not scope:
        raise Forbidden(f"personal access tokens cannot use {path}")
    if scope not in (principal.scopes or ()):
        raise Forbidden(f"this token lacks the scope {scope}", missing_scope=scope)


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
        # Serialised once, straight to the bytes sent (model_dump_json decodes them to a str,
        # which the response encodes again).
        body = reply.body.__pydantic_serializer__.to_json(reply.body)
        response = Response(body, status_code=reply.status, media_type="application/json")
    for name, value in reply.headers.items():
        response.headers[name] = value
    for cookie in reply.cookies:
        response.set_cookie(**cookie)
    return response


def _method_not_allowed(path: str, methods: Sequence[str]) -> Response:
    allowed = ", ".join(methods)
    return problem(
        405,
        "Method not allowed",
        f"{path} takes {allowed}",
        instance=path,
        headers={"Allow": allowed},
    )


def endpoint(
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    body_optional: bool = False,
    headers: Mapping[str, str | Header] | None = None,
    raw_body: Mapping[str, Mapping[str, Any]] | None = None,
    produces: str | tuple[str, ...] | None = None,
    responses: Mapping[int, str] | None = None,
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Make `handler` a functions-framework HTTP function with TaskFlow's edge around it.

    `body`/`query` are the models the request is validated with (422 on a mismatch),
    `response` and `status` document the answer, `auth` requires a valid access token,
    `body_optional` lets a request without any body through with `call.body = None`,
    `headers` documents the request headers the handler reads, `raw_body` the media types
    (with their schemas) of a body it reads itself with `read_body`, `produces` the media
    type (or types) of a success body that is not only JSON, and `responses` other answers
    without a body.
    """

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        name = handler.__name__
        routes = routes_for(name)
        if not routes:
            raise LookupError(f"{name} is not in the route table")

        methods = sorted({r.method for r in routes})

        async def answer(request: Request) -> Response:
            path = request.url.path
            probe = is_liveness_probe(request)
            if shadowed(path, name) and not probe and request.method not in methods_at(path):
                # Another route's literal path, which takes none of this function's methods.
                return _method_not_allowed(path, methods_at(path))
            if request.method not in methods and not probe:
                # A lone function process gets every method: it does only what its routes say.
                return _method_not_allowed(path, methods)
            try:
                rt = runtime.current()  # a misconfigured process fails here
                if probe:
                    return liveness()
                params = next((m for r in routes if (m := r.match(path)) is not None), {})
                principal = await _authenticate(rt, request) if auth else None
                if principal is not None and principal.scopes is not None:
                    _require_scope(principal, routes, request.method, path)
                call: Call[Any, Any] = Call(
                    request=request,
                    path_params=params,
                    body=await parse_body(
                        request, body, rt.settings.max_body_bytes, optional=body_optional
                    )
                    if body
                    else None,
                    query=parse_query(request, query) if query else None,
                    principal=principal,
                    rt=rt,
                )
                return _render(await handler(call), status)
            except Exception as exc:
                return error_response(exc, path)

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
            responses=dict(responses or {}),
        )
        return cast(Callable[[Request], Awaitable[Response]], aio.http(function))

    return wrap


def spec_of(function: Callable[..., Any]) -> EndpointSpec:
    return cast(EndpointSpec, function.__taskflow_spec__)  # type: ignore[attr-defined]
