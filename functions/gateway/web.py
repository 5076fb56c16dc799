"""The built web app: its assets, its top-level files, and its page for its own addresses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

PLACEHOLDER_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TaskFlow</title></head>
<body>
<h1>TaskFlow is running</h1>
<p>The web app has not been built yet. The API and its documentation are at
<a href="/api/docs">/api/docs</a>.</p></body></html>"""


def mount_web(app: FastAPI, web_dist: Path) -> None:
    """The built web app: its assets, its top-level files, and index.html for its own routes
    (a deep link such as /tasks/42 is the app's, answered by `page_for_deep_link`)."""
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


def page_for_deep_link(request: Request, web_dist: Path) -> Response | None:
    """The app's page when a browser asked by address for a page of the app, not the API."""
    path = request.url.path
    if (
        request.method in ("GET", "HEAD")
        and not path.startswith(("/api/", "/.well-known/", "/assets/"))
        and "text/html" in request.headers.get("accept", "")
        and (web_dist / "index.html").exists()
    ):
        return FileResponse(web_dist / "index.html", headers={"Cache-Control": "no-cache"})
    return None


def _static_file(path: Path) -> Callable[[], Awaitable[Response]]:
    async def serve() -> Response:
        # index.html names the hashed assets of one build: never cached; the assets are.
        cache = "no-cache" if path.suffix == ".html" else "public, max-age=3600"
        return FileResponse(path, headers={"Cache-Control": cache})

    return serve
