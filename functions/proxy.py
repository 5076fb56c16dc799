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
from functions.routes import routes_for

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
        # A pool per target: a thousand open streams must not take every connection the
        # other functions' requests need. No read timeout: a stream stays open as long as
        # its reader.
        self.clients = {
            target: httpx.AsyncClient(
                timeout=httpx.Timeout(connect=5.0, read=None, write=30.0, pool=10.0),
                limits=httpx.Limits(
                    max_connections=max(1000, *(r.target_concurrency for r in routes_for(target))),
                    max_keepalive_connections=100,
                ),
            )
            for target in urls
        }

    def forwarder(self, target: str) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        base, client = self.urls[target].rstrip("/"), self.clients[target]

        async def forward(request: Request) -> Response:
            return await self.forward(client, base, request)

        return forward

    async def forward(self, client: httpx.AsyncClient, base: str, request: Request) -> Response:
        headers = [
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in HOP_BY_HOP and name.lower() != "x-forwarded-for"
        ]
        address = request.client.host if request.client else ""
        forwarded = request.headers.get("x-forwarded-for")
        headers.append(("x-forwarded-for", f"{forwarded}, {address}" if forwarded else address))
        url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        outgoing = client.build_request(
            request.method, url, headers=headers, content=await request.body()
        )
        try:
            answer = await client.send(outgoing, stream=True)
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
        for client in self.clients.values():
            await client.aclose()
