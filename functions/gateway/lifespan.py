"""What runs for the app's lifetime, and what is closed when it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, suppress

from fastapi import FastAPI

from functions.core import runtime
from functions.proxy import Upstreams


def lifespan_for(
    proxy: Upstreams | None, *, embedded_pipeline: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the embedded pipeline if asked for; then the proxy's connections
    and the runtime closed."""

    @asynccontextmanager
    async def run(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if embedded_pipeline:
                await stack.enter_async_context(pipeline(runtime.current()))
            yield
        if proxy is not None:
            await proxy.aclose()
        await runtime.close()

    return run


@asynccontextmanager
async def pipeline(rt: runtime.Runtime) -> AsyncIterator[None]:
    """The outbox relay, the in-process broker and the schedules, for the app's lifetime."""
    from events.transport.inprocess import start_embedded_pipeline
    from events.transport.scheduler import in_process_post, local_periods, run_schedules

    started = await start_embedded_pipeline(rt)
    interval = rt.settings.due_soon_interval_seconds
    timers = asyncio.create_task(
        run_schedules(in_process_post(), interval, periods=local_periods(interval)),
        name="taskflow-schedules",
    )
    try:
        yield
    finally:
        timers.cancel()
        with suppress(asyncio.CancelledError):
            await timers
        await started.stop()
