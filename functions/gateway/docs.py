"""The API's documentation page, with Swagger UI's assets served from the installed bundle:
no CDN, works offline, and nothing inline (the gateway's Content-Security-Policy allows
scripts from its own origin only)."""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from functions.gateway.openapi import API_TITLE, OPENAPI_URL

DOCS_URL: Final = "/api/docs"
ASSETS: Final = f"{DOCS_URL}/assets"
INIT_URL: Final = f"{DOCS_URL}/init.js"
# What FastAPI's own page configures, as a script of its own instead of an inline one; the
# page names the document.
INIT_SCRIPT: Final = """const root = document.getElementById("swagger-ui");
SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""
PAGE: Final = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{API_TITLE} documentation</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{INIT_URL}"></script>
</body>
</html>
"""


def mount_docs(app: FastAPI) -> None:
    """Swagger UI at /api/docs, with its assets from the swagger-ui-bundle package."""
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get(INIT_URL, include_in_schema=False)
    async def docs_init() -> Response:
        return Response(INIT_SCRIPT, media_type="text/javascript")
