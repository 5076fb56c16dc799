"""The one-process gateway: every function from the route table at its public path.

It is also the API's contract: the OpenAPI document is built here from the same pydantic
models the functions validate with. Functions never import this module.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.datastructures import Default
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from swagger_ui_bundle import swagger_ui_path

from functions.core import runtime
from functions.edge import EndpointSpec, problem, spec_of
from functions.proxy import Upstreams
from functions.routes import HTTP, ROUTES, Route, load_target

API_TITLE = "TaskFlow API"
API_VERSION = "1.0.0"
PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
}
PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TaskFlow</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>TaskFlow is running</h1>
<p>The web app has not been built yet. The API and its documentation are at
<a href="/api/docs">/api/docs</a>.</p></body></html>"""


def _forwarder(function: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    """A gateway endpoint that hands the untouched request to the function."""

    async def forward(request: Request) -> Response:
        return await function(request)

    return forward


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            # Ids are UUIDs; other segments (an event type) are plain strings.
            "schema": {"type": "string", "format": "uuid"}
            if name.endswith("_id")
            else {"type": "string"},
        }
        for name in re.findall(r"\{(\w+)\}", path)
    ]


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _header_parameters(headers: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": description,
            "schema": {"type": "string"},
        }
        for name, description in headers.items()
    ]


def _openapi_extra(route: Route, spec: EndpointSpec) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "parameters": _path_parameters(route.path)
        + _query_parameters(spec.query)
        + _header_parameters(spec.headers),
        "responses": {
            "4XX": {
                "description": "A problem (RFC 9457)",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
    }
    if spec.body is not None:
        extra["requestBody"] = {
            "required": not spec.body_optional,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{spec.body.__name__}"}
                }
            },
        }
    if spec.raw_body:
        extra["requestBody"] = {
            "required": True,
            "content": {media: {"schema": dict(schema)} for media, schema in spec.raw_body.items()},
        }
    if spec.produces:
        extra["responses"][str(spec.status)] = {
            "description": "Successful Response",
            "content": {spec.produces: {}},  # no model of ours describes such a body
        }
    if spec.auth:
        extra["security"] = [{"bearerAuth": []}]
    return extra


def _add_schemas(document: dict[str, Any], models: list[type[BaseModel]]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    document["components"]["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }


def _mount_web(app: FastAPI, web_dist: Path) -> None:
    """The built web app: its assets, its top-level files, and index.html for its own routes
    (a deep link such as /tasks/42 is the app's, answered by the 404 handler)."""
    if (web_dist / "index.html").exists():
        if (web_dist / "assets").is_dir():
            app.mount("/assets", StaticFiles(directory=web_dist / "assets"), name="web-assets")
        for file in web_dist.iterdir():
            if file.is_file():
                app.add_api_route(
                    "/" if file.name == "index.html" else f"/{file.name}",
                    _static_file(file),
                    methods=["GET", "HEAD"],
                    include_in_schema=False,
                )
        return

    @app.get("/", include_in_schema=False)
    async def placeholder() -> HTMLResponse:
        return HTMLResponse(PLACEHOLDER_PAGE)


def _static_file(path: Path) -> Callable[[], Awaitable[Response]]:
    async def serve() -> Response:
        # index.html names the hashed assets of one build: never cached; the assets are.
        cache = "no-cache" if path.suffix == ".html" else "public, max-age=3600"
        return FileResponse(path, headers={"Cache-Control": cache})

    return serve


def _is_web_route(request: Request, web_dist: Path) -> bool:
    """A page of the web app (not the API) that the browser asked for by its address."""
    path = request.url.path
    return (
        request.method in ("GET", "HEAD")
        and not path.startswith(("/api/", "/.well-known/", "/assets/"))
        and "text/html" in request.headers.get("accept", "")
        and (web_dist / "index.html").exists()
    )


def _allow(path: str) -> dict[str, str]:
    """A 405's Allow header (RFC 9110): every method some route takes at this path."""
    methods = sorted({r.method for r in ROUTES if r.public and r.match(path) is not None})
    return {"Allow": ", ".join(methods)}


def openapi_document() -> dict[str, Any]:
    """The API's contract, as the gateway publishes it at /api/openapi.json."""
    return create_app().openapi()


def create_app(
    rt: runtime.Runtime | None = None,
    web_dist: Path | None = None,
    upstreams: dict[str, str] | None = None,
    *,
    embedded_pipeline: bool = False,
) -> FastAPI:
    """The gateway app; with `rt` given, that runtime serves every function in this process.

    With `upstreams` (target -> base URL), each route is forwarded to its function's own
    process instead (`taskflow cluster`). With `embedded_pipeline`, the relay, the in-process
    broker and the timers run inside the app too (`taskflow dev`).
    """
    if rt is not None:
        runtime.install(rt)
    proxy = Upstreams(upstreams) if upstreams is not None else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if embedded_pipeline:
                await stack.enter_async_context(_embedded_pipeline(runtime.current()))
            yield
        if proxy is not None:
            await proxy.aclose()
        await runtime.close()

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served below from the installed bundle: no CDN, works offline
        redoc_url=None,
        lifespan=lifespan,
    )
    body_models: list[type[BaseModel]] = []
    for route in ROUTES:
        if route.trigger != HTTP:
            continue
        function = load_target(route.target)
        spec = spec_of(function)
        if spec.body is not None:
            body_models.append(spec.body)
        app.add_api_route(
            route.path,
            proxy.forwarder(route.target) if proxy is not None else _forwarder(function),
            methods=[route.method],
            name=f"{route.target} {route.path}",
            operation_id=route.target if route.path == _first_path(route.target) else None,
            summary=spec.summary,
            tags=[route.module.rsplit(".", 1)[-1]],
            response_model=spec.response,
            status_code=spec.status,
            openapi_extra=_openapi_extra(route, spec),
            # A body not JSON: the plain class adds no application/json content beside it.
            response_class=Response if spec.produces else Default(JSONResponse),
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=API_TITLE, version=API_VERSION, routes=app.routes)
            _add_schemas(document, body_models)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    settings = runtime.current().settings
    web = web_dist if web_dist is not None else settings.web_dist

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and _is_web_route(request, web):
            return FileResponse(web / "index.html", headers={"Cache-Control": "no-cache"})
        titles = {404: "Not found", 405: "Method not allowed"}
        return problem(
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            str(exc.detail),
            instance=request.url.path,
            headers=_allow(request.url.path) if exc.status_code == 405 else exc.headers,
        )

    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Last-Event-ID"],
        )
    _mount_docs(app)
    _mount_web(app, web)
    return app


@asynccontextmanager
async def _embedded_pipeline(rt: runtime.Runtime) -> AsyncIterator[None]:
    """The outbox relay, the in-process broker and the schedules, for the app's lifetime."""
    from events.transport.inprocess import start_embedded_pipeline
    from events.transport.scheduler import in_process_post, run_schedules

    pipeline = await start_embedded_pipeline(rt)
    timers = asyncio.create_task(
        run_schedules(in_process_post(), rt.settings.due_soon_interval_seconds),
        name="taskflow-schedules",
    )
    try:
        yield
    finally:
        timers.cancel()
        with suppress(asyncio.CancelledError):
            await timers
        await pipeline.stop()


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI at /api/docs, with its assets from the swagger-ui-bundle package."""
    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title=f"{API_TITLE} documentation",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )


def _first_path(target: str) -> str:
    return next(r.path for r in ROUTES if r.target == target)
