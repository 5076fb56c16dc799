"""Every HTTP function of the route table, mounted at its public path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.datastructures import Default
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.responses import Response

from functions.edge import spec_of
from functions.gateway.openapi import operation_extra
from functions.proxy import Upstreams
from functions.routes import HTTP, ROUTES, load_target


def mount_functions(app: FastAPI, proxy: Upstreams | None) -> list[type[BaseModel]]:
    """A route per HTTP function, answered in this process or, with `proxy`, forwarded to the
    function's own; returns the request body models the document describes."""
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
            openapi_extra=operation_extra(route, spec),
            # A body not JSON: the plain class adds no application/json content beside it.
            response_class=Response if spec.produces else Default(JSONResponse),
        )
    return body_models


def _forwarder(function: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    """A gateway endpoint that hands the untouched request to the function."""

    async def forward(request: Request) -> Response:
        return await function(request)

    return forward


def _first_path(target: str) -> str:
    return next(r.path for r in ROUTES if r.target == target)
