"""How an event is delivered to a subscriber, and what its answer means (shared by the
dispatcher and the in-process broker, so both keep Knative's delivery contract).

2xx: delivered. 404, 409, 429, 5xx, a timeout or a connection error: try again later, with
exponential backoff, up to the delivery limit. Any other 4xx: the event can never be handled
as it is, so it is dead-lettered at once.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_random_exponential

from events.codec import binary_http
from events.types import TRACEPARENT
from functions.core.observability import current_trace

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from functions.core.settings import Settings

# 4xx answers that may succeed later: the subscriber is not deployed yet (404), a conflict
# that a retry resolves (409), or it asks us to slow down (429).
RETRYABLE_CLIENT_ERRORS: Final = frozenset({404, 409, 429})


class Verdict(enum.Enum):
    ACK = "ack"
    RETRY = "retry"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt: its verdict, the status answered (None if none), and why."""

    verdict: Verdict
    status: int | None
    detail: str


def verdict_for_status(status: int) -> Verdict:
    if 200 <= status < 300:
        return Verdict.ACK
    if 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
        return Verdict.DEAD_LETTER
    # 5xx, the retryable 4xx, and anything unexpected (a proxy's 3xx): never lose the event.
    return Verdict.RETRY


def decide(verdict: Verdict, delivery: int, delivery_limit: int) -> Verdict:
    """The verdict for the `delivery`-th delivery (1-based): a retry past the limit is dead."""
    if verdict is Verdict.RETRY and delivery >= delivery_limit:
        return Verdict.DEAD_LETTER
    return verdict


def backoff_seconds(delivery: int, base: float, cap: float) -> float:
    """How long to wait after the `delivery`-th failed delivery before the next one.

    Exponential (base, 2 base, 4 base, ... up to cap) with equal jitter, so a subscriber
    that comes back is not hit by every waiting event at the same instant. The count comes
    from the broker (x-delivery-count), not from a retry loop, hence a plain function.
    """
    try:
        ceiling = min(cap, base * 2.0 ** max(0, delivery - 1))
    except OverflowError:  # past 2**1023, under a delivery limit set that high: long capped
        ceiling = cap
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def until_available(
    settings: Settings,
    stopping: asyncio.Event,
    unavailable: tuple[type[BaseException], ...],
    log: logging.Logger,
    doing: str,
) -> AsyncRetrying:
    """Retry while a server we need (RabbitMQ, PostgreSQL) is down: random exponential waits
    from retry_backoff_seconds up to retry_backoff_max_seconds (tenacity), cut short by
    `stopping`, after which the last error is raised."""

    async def pause(seconds: float) -> None:
        with suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await stopping.wait()

    def report(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        log.warning(
            f"cannot {doing} now; trying again",
            extra={"fields": {"error": repr(error), "retry_in_seconds": round(delay, 3)}},
        )

    return AsyncRetrying(
        retry=retry_if_exception_type(unavailable),
        wait=wait_random_exponential(
            multiplier=settings.retry_backoff_seconds, max=settings.retry_backoff_max_seconds
        ),
        stop=lambda _state: stopping.is_set(),
        sleep=pause,
        before_sleep=report,
        reraise=True,
    )


async def post_event(
    client: httpx.AsyncClient, url: str, event: CloudEvent, *, seconds: float
) -> Attempt:
    """POST `event` as a binary-mode CloudEvent, in the current trace; never raises for an
    answer or a network failure: the verdict says what to do."""
    headers, body = binary_http(event)
    trace = current_trace.get()
    traceparent = trace.traceparent if trace is not None else event.get(TRACEPARENT)
    if traceparent:
        headers["traceparent"] = traceparent
    try:
        response = await client.post(url, content=body, headers=headers, timeout=seconds)
    except httpx.TimeoutException:
        return Attempt(Verdict.RETRY, None, f"no answer within {seconds:g} s")
    except httpx.TransportError as exc:
        return Attempt(Verdict.RETRY, None, f"cannot reach the subscriber: {exc!r}")
    return Attempt(
        verdict_for_status(response.status_code),
        response.status_code,
        response.reason_phrase or str(response.status_code),
    )
