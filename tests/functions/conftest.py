"""Each function through functions-framework's own ASGI app, on the real PostgreSQL and Redis."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from functions_framework.aio import create_asgi_app
from httpx import ASGITransport, AsyncClient, Response
from starlette.types import ASGIApp

from functions.core import runtime
from functions.core.runtime import Runtime
from functions.routes import HTTP, ROUTES

SOURCE = str(Path(__file__).resolve().parents[2] / "functions" / "main.py")


@pytest.fixture
def framework_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what loading a function does to the process (env, sys.path, sys.modules)."""
    # create_asgi_app writes these, appends the source's folder to sys.path and registers
    # the source file as the module `main`: give each back as it was.
    for name in ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "FUNCTION_SOURCE"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.setattr(sys, "path", list(sys.path))
    previous_main = sys.modules.get("main")
    yield
    if previous_main is None:
        sys.modules.pop("main", None)
    else:
        sys.modules["main"] = previous_main


def load_function(target: str) -> ASGIApp:
    """The app `functions-framework --asgi --target TARGET --source functions/main.py` serves."""
    app: ASGIApp = create_asgi_app(target=target, source=SOURCE)
    return app


def target_for(method: str, path: str) -> str:
    """The function the route table sends this request to (literal paths before templates)."""
    for route in ROUTES:
        if route.trigger == HTTP and route.method == method and route.match(path) is not None:
            return route.target
    raise LookupError(f"no route for {method} {path}")


class Functions:
    """An HTTP client that sends each request to its own function's functions-framework app.

    Every request is answered by a separate app built for the one target the route table
    names, at the request's public path, as a lone function process would answer it.
    """

    def __init__(self) -> None:
        self.clients: dict[str, AsyncClient] = {}
        self.answered_by: list[str] = []

    def client(self, target: str) -> AsyncClient:
        if target not in self.clients:
            transport = ASGITransport(app=load_function(target), client=("203.0.113.9", 41000))
            self.clients[target] = AsyncClient(transport=transport, base_url="http://function.test")
        return self.clients[target]

    async def request(self, method: str, path: str, **kwargs: Any) -> Response:
        target = target_for(method, path.split("?", 1)[0])
        self.answered_by.append(target)
        return await self.client(target).request(method, path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Response:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Response:
        return await self.request("DELETE", path, **kwargs)

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()


@pytest.fixture
def pg_function_runtime(pg_runtime: Runtime) -> Iterator[Runtime]:
    """The runtime a function process builds for itself, here the test servers' one."""
    previous = runtime.install(pg_runtime)
    yield pg_runtime
    runtime.install(previous)


@pytest.fixture
async def functions(
    framework_state: None, pg_function_runtime: Runtime
) -> AsyncIterator[Functions]:
    each = Functions()
    yield each
    await each.aclose()
