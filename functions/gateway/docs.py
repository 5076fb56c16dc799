"""The API's documentation page, with Swagger UI's assets served from the installed bundle:
no CDN, works offline."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from functions.gateway.openapi import API_TITLE, OPENAPI_URL


def mount_docs(app: FastAPI) -> None:
    """Swagger UI at /api/docs, with its assets from the swagger-ui-bundle package."""
    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{API_TITLE} documentation",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )
