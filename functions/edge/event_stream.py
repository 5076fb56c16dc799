"""A `text/event-stream` answer that costs one coroutine per open connection.

sse-starlette's EventSourceResponse runs a task group of four tasks per stream (the stream, a
ping timer, a shutdown listener, a disconnect listener); measured here, an open stream cost
over 100 KiB that way, and a process is meant to hold ten thousand. This answer keeps only
what a stream needs: the producer decides when a heartbeat is due (after a quiet spell), one
small task notices the client leaving, and one task per process notices shutdown (through
sse-starlette's own watcher, which knows how to find the server's exit signal). The events
themselves are encoded by sse-starlette's `ServerSentEvent`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Final

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

log = logging.getLogger("taskflow.edge")

MEDIA_TYPE: Final = "text/event-stream"
# What sse-starlette sends too: no caching, and no buffering in nginx-like proxies.
HEADERS: Final = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]

_shutdown_watchers: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
_on_shutdown: dict[asyncio.AbstractEventLoop, set[Callable[[], None]]] = {}


class EventStream(Response):
    """Send each chunk `chunks` yields as it comes; `on_gone` is called when the client
    leaves (so the producer can stop waiting), `on_end` once the answer is over, whether it
    ran or not."""

    media_type = MEDIA_TYPE

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        *,
        on_gone: Callable[[], None],
        on_end: Callable[[], None],
    ) -> None:
        super().__init__(status_code=200, media_type=MEDIA_TYPE)
        self.chunks, self.on_gone, self.on_end = chunks, on_gone, on_end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watcher = asyncio.ensure_future(self._watch(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            async for chunk in self.chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away while it was being written to
        finally:
            watcher.cancel()
            aclose = getattr(self.chunks, "aclose", None)
            if aclose is not None:
                await aclose()
            self.on_end()

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.on_gone()


def on_shutdown(callback: Callable[[], None]) -> None:
    """Call `callback` once when the server starts shutting down: one watcher per event loop,
    however many streams and callbacks."""
    loop = asyncio.get_running_loop()
    _on_shutdown.setdefault(loop, set()).add(callback)
    watcher = _shutdown_watchers.get(loop)
    if watcher is None or watcher.done():
        _shutdown_watchers[loop] = loop.create_task(_await_shutdown(loop))


async def _await_shutdown(loop: asyncio.AbstractEventLoop) -> None:
    from sse_starlette import EventSourceResponse

    # sse-starlette's watcher: it sees uvicorn's (and so gunicorn's worker's) exit signal.
    await EventSourceResponse._listen_for_exit_signal()
    log.info("shutting down: ending the open live streams")
    for callback in _on_shutdown.pop(loop, set()):
        callback()
