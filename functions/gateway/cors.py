"""Cross-origin requests from the web app's other origins (TASKFLOW_ALLOWED_ORIGINS)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware


def allow_origins(app: FastAPI, origins: Sequence[str]) -> None:
    """Let these origins call the API with credentials; none given, none allowed."""
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Last-Event-ID"],
        )
