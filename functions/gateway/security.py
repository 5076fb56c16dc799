"""The security headers on every answer of the gateway (functions/edge/security_headers.py)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from functions.edge.security_headers import security_headers


class SecurityHeaders:
    """Adds the headers to each response as it starts (a stream's too), unless it set its own."""

    def __init__(self, app: ASGIApp, headers: Sequence[tuple[str, str]]) -> None:
        self.app = app
        self.headers = [(name.lower().encode(), value.encode()) for name, value in headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", []))
                names = {name.lower() for name, _ in own}
                added = [header for header in self.headers if header[0] not in names]
                message = {**message, "headers": own + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def send_security_headers(app: FastAPI, *, https: bool, file_origin: str = "") -> None:
    """Every answer, errors and preflights included (added last: the outermost middleware);
    `file_origin` is the attachments bucket's, which the page may reach too."""
    app.add_middleware(
        SecurityHeaders, headers=security_headers(https=https, file_origin=file_origin)
    )
