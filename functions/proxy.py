"""The gateway's forwarding to function processes (`taskflow cluster`): path routing only.

The request goes on unchanged (method, path, query, headers, body) and the answer comes
back as a stream, so the live notification stream passes through as it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Final

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from functions.edge import problem

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection, not to the message.
HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


class Upstreams:
    """One pooled HTTP client for every function process the gateway forwards to."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        # No read timeout: the notification stream stays open for as long as its reader.
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=5.0, read=None, write=30.0, pool=10.0),
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100),
        )

    def forwarder(self, target: str) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        base = self.urls[target].rstrip("/")

        async def forward(request: Request) -> Response:
            return await self.forward(base, request)

        return forward

    async def forward(self, base: str, request: Request) -> Response:
        headers = [
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in HOP_BY_HOP and name.lower() != "x-forwarded-for"
        ]
        client = request.client.host if request.client else ""
        forwarded = request.headers.get("x-forwarded-for")
        headers.append(("x-forwarded-for", f"{forwarded}, {client}" if forwarded else client))
        url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        outgoing = self.client.build_request(
            request.method, url, headers=headers, content=await request.body()
        )
        try:
            answer = await self.client.send(outgoing, stream=True)
        except httpx.TransportError:
            return problem(
                503, "Service unavailable", "the function did not answer", instance=request.url.path
            )
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers={k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP},
            background=BackgroundTask(answer.aclose),
        )

    async def aclose(self) -> None:
        await self.client.aclose()
