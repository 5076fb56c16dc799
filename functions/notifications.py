"""Notification functions: deliver an event to the feeds it concerns, list and count the
feed, mark it read, and follow it live as Server-Sent Events."""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Final

import anyio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from functions.core.errors import Unavailable
from functions.core.live import FellBehind
from functions.core.models.notifications import (
    MarkRead,
    NotificationListQuery,
    NotificationPublic,
    NotificationsPublic,
    UnreadCount,
)
from functions.core.runtime import Runtime
from functions.core.services import notifications
from functions.edge import Call, endpoint
from functions.sink import event_sink

if TYPE_CHECKING:
    import uuid

    from cloudevents.http import CloudEvent
    from sse_starlette import EventSourceResponse, ServerSentEvent

log = logging.getLogger("taskflow.notifications")
# The SSE event name; its data is a NotificationPublic, its `id:` the notification's id.
NOTIFICATION_EVENT: Final = "notification"
LAST_EVENT_ID_DOC: Final = (
    "The id of the last notification received: the stream sends the ones stored after it "
    "first (a reconnect misses nothing the feed still holds)."
)
# On shutdown a stream ends its response properly (the client reconnects elsewhere) within this.
SHUTDOWN_GRACE_SECONDS: Final = 2.0
# Sent to a stream that fell too far behind: its client refetches what it shows, then
# reconnects without a Last-Event-ID.
REFETCH_EVENT: Final = "refetch"
# The reconnection delay a stream that ends on purpose asks its client for (SSE `retry:`).
RECONNECT_MS: Final = 1000


@event_sink
async def deliver_notification(rt: Runtime, event: CloudEvent) -> None:
    """Tell each person an event concerns, in their feed and live: once, however often the
    event arrives."""
    await notifications.deliver(rt, event)


@endpoint(query=NotificationListQuery, response=NotificationsPublic)
async def list_notifications(call: Call[None, NotificationListQuery]) -> NotificationsPublic:
    """Your notifications, newest first, one page at a time (or only the unread ones)."""
    return await notifications.list_notifications(call.rt, call.user.user_id, call.query)


@endpoint(response=UnreadCount)
async def unread_count(call: Call[None, None]) -> UnreadCount:
    """How many of your notifications are unread."""
    return await notifications.unread_count(call.rt, call.user.user_id)


@endpoint(body=MarkRead, response=UnreadCount)
async def mark_notifications_read(call: Call[MarkRead, None]) -> UnreadCount:
    """Mark some of your notifications read, or all of them; answers the unread count left."""
    return await notifications.mark_read(call.rt, call.user.user_id, call.body)


@endpoint(headers={"Last-Event-ID": LAST_EVENT_ID_DOC}, produces="text/event-stream")
async def notification_stream(call: Call[None, None]) -> EventSourceResponse:
    """Your new notifications as they happen, as Server-Sent Events (`text/event-stream`)."""
    # Imported here: sse-starlette brings uvicorn's command line, which no other function needs.
    from sse_starlette import EventSourceResponse, ServerSentEvent

    rt = call.rt
    # The token comes only in the Authorization header (fetch-based SSE sends it), never in
    # the URL, where proxies' and browsers' logs would keep it.
    user_id = call.user.user_id
    last_seen = call.request.headers.get("last-event-id")
    # Resolved before answering: a bad header is a 422 and Redis down a 503, not a broken stream.
    position = await notifications.stream_position(rt, user_id, last_seen)
    release = rt.live.admit(rt.settings.stream_limit)
    if release is None:
        raise Unavailable("this instance holds all the live streams it can", retry_after=1)
    shutdown = anyio.Event()
    events = _events(rt, user_id, position, shutdown, release)
    # A stream whose response never starts (the client left first) is still released.
    weakref.finalize(events, release)
    return EventSourceResponse(
        events,
        ping=rt.settings.stream_heartbeat_seconds,
        ping_message_factory=lambda: ServerSentEvent(comment="heartbeat"),
        shutdown_event=shutdown,
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
    )


async def _events(
    rt: Runtime,
    user_id: uuid.UUID,
    position: str,
    shutdown: anyio.Event,
    release: Callable[[], None],
) -> AsyncIterator[ServerSentEvent]:
    from sse_starlette import ServerSentEvent

    try:
        # aclosing: when the client leaves, the feed's reader ends here too, not at collection.
        async with aclosing(notifications.follow(rt, user_id, position)) as followed:
            while (notification := await _next_unless(followed, shutdown)) is not None:
                yield ServerSentEvent(
                    data=notification.model_dump_json(),
                    event=NOTIFICATION_EVENT,
                    id=notification.id,
                )
            # Shutting down: the client reconnects (to another instance) after this pause.
            yield ServerSentEvent(comment="shutting down", retry=RECONNECT_MS)
    except FellBehind:
        # Too slow to keep up: told to refetch, then closed, so it never holds the others back.
        yield ServerSentEvent(data="{}", event=REFETCH_EVENT, retry=RECONNECT_MS)
    except (RedisConnectionError, RedisTimeoutError) as exc:
        # Past redis-py's own retries: end the stream; the client reconnects with its
        # Last-Event-ID (and gets a 503 until Redis is back).
        log.warning("a notification stream lost Redis: %s", exc)
    finally:
        release()


async def _next_unless(
    followed: AsyncGenerator[NotificationPublic, None], shutdown: anyio.Event
) -> NotificationPublic | None:
    """The next notification, or None once the server is shutting down (the wait for it cut)."""
    found = failure = None
    async with anyio.create_task_group() as group:

        async def cut_on_shutdown() -> None:
            await shutdown.wait()
            group.cancel_scope.cancel()

        group.start_soon(cut_on_shutdown)
        try:
            found = await anext(followed)
        except Exception as exc:  # raised as itself below, not wrapped in an exception group
            failure = exc
        group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return found
