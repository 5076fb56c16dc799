"""The one-process gateway: every function from the route table at its public path.

It is also the API's contract: the OpenAPI document is built here from the same pydantic
models the functions validate with. Functions never import this package.

`create_app` composes the pieces, one module each: `endpoints` (the route table's functions),
`openapi` (the document), `problems` (routing errors), `cors`, `docs` (the documentation
page), `web` (the built web app and its deep links), `security` (the headers every answer
carries) and `lifespan` (the embedded pipeline, and closing what the app opened).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from functions.core import runtime
from functions.core.attachments import upload_origin
from functions.gateway.cors import allow_origins
from functions.gateway.docs import mount_docs
from functions.gateway.endpoints import mount_functions
from functions.gateway.lifespan import lifespan_for
from functions.gateway.openapi import API_TITLE, API_VERSION, OPENAPI_URL, publish_openapi
from functions.gateway.problems import add_problem_handler
from functions.gateway.security import send_security_headers
from functions.gateway.web import mount_web
from functions.proxy import Upstreams

__all__ = ["create_app", "openapi_document", "openapi_json"]


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
    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        openapi_url=OPENAPI_URL,
        docs_url=None,  # mount_docs serves it from the installed bundle
        redoc_url=None,
        lifespan=lifespan_for(proxy, embedded_pipeline=embedded_pipeline),
    )
    publish_openapi(app, mount_functions(app, proxy))
    settings = runtime.current().settings
    web = web_dist if web_dist is not None else settings.web_dist
    add_problem_handler(app, web)
    allow_origins(app, settings.allowed_origins)
    mount_docs(app)
    mount_web(app, web)
    send_security_headers(app, https=not settings.is_dev, file_origin=upload_origin(settings) or "")
    return app


def openapi_document() -> dict[str, Any]:
    """The API's contract, as the gateway publishes it at /api/openapi.json."""
    return create_app().openapi()


def openapi_json() -> str:
    """The document as stable, indented JSON: what web/openapi.json holds."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"
