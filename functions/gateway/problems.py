"""The gateway's own errors (no route, wrong method) as the functions answer theirs:
problem+json (RFC 9457), with a 405's Allow header; a deep link gets the web app's page."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from functions.edge import problem
from functions.gateway.web import page_for_deep_link
from functions.routes import methods_at

TITLES: Final = {404: "Not found", 405: "Method not allowed"}


def add_problem_handler(app: FastAPI, web_dist: Path) -> None:
    """Answer routing errors as problems, except a browser's deep link into the web app."""

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            page = page_for_deep_link(request, web_dist)
            if page is not None:
                return page
        return problem(
            exc.status_code,
            TITLES.get(exc.status_code, "Error"),
            str(exc.detail),
            instance=request.url.path,
            headers=_allow(request.url.path) if exc.status_code == 405 else exc.headers,
        )


def _allow(path: str) -> dict[str, str]:
    """A 405's Allow header (RFC 9110): every method some route takes at this path."""
    return {"Allow": ", ".join(methods_at(path))}
