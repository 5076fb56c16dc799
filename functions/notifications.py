"""Notification functions: deliver an event to the feeds it concerns, list and count the
feed, mark it read, and follow it live as Server-Sent Events."""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from functions.core.errors import Unavailable
from functions.core.live import Closing, FellBehind
from functions.core.models.notifications import (
    MarkRead,
    NotificationListQuery,
    NotificationsPublic,
    UnreadCount,
)
from functions.core.runtime import Runtime
from functions.core.services import live_view, notifications
from functions.edge import Call, Header, endpoint
from functions.edge.event_stream import EventStream, on_shutdown
from functions.sink import event_sink

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

log = logging.getLogger("taskflow.notifications")
LAST_EVENT_ID_DOC: Final = (
    "The `id:` of the last event received (an opaque position): the stream first sends what "
    "happened after it (a reconnect misses nothing still kept; when some of it is gone, a "
    "`refetch` event says so). An id no stream sent starts the stream from now, after a "
    "`refetch` event."
)
# Sent after a quiet spell, so proxies keep the connection open and clients know it lives.
HEARTBEAT: Final = b": heartbeat\r\n\r\n"
# Sent to a stream that fell too far behind: its client refetches what it shows, then
# reconnects without a Last-Event-ID.
REFETCH_EVENT: Final = live_view.REFETCH
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


@endpoint(
    headers={"Last-Event-ID": Header(LAST_EVENT_ID_DOC, {"type": "string"})},
    produces="text/event-stream",
)
async def notification_stream(call: Call[None, None]) -> EventStream:
    """Your live view, as Server-Sent Events (`text/event-stream`): your new notifications
    (`notification`) and every change to the projects you are a member of (`change`: the
    event's type, id, project, who made it and its data), as they happen. `revoked` says a
    project is no longer yours to see; `refetch` that what you show may be stale."""
    rt = call.rt
    # The token comes only in the Authorization header (fetch-based SSE sends it), never in
    # the URL, where proxies' and browsers' logs would keep it.
    last_seen = call.request.headers.get("last-event-id")
    # Resolved before answering: Redis down is a 503, not a broken stream.
    view = await live_view.open_view(rt, call.user.user_id, last_seen)
    release = rt.live.admit(rt.settings.stream_limit)
    if release is None:
        view.close()
        raise Unavailable("this instance holds all the live streams it can", retry_after=1)
    on_shutdown(rt.live.close_followers)

    def end() -> None:
        view.close()
        release()

    answer = EventStream(
        _chunks(view, rt.settings.stream_heartbeat_seconds), on_gone=view.close, on_end=end
    )
    # A stream whose answer never starts (its client left first) is still let go.
    weakref.finalize(answer, end)
    return answer


async def _chunks(view: live_view.LiveView, heartbeat_seconds: float) -> AsyncIterator[bytes]:
    """The stream's bytes: each batch as it arrives, a heartbeat after a quiet spell, and a
    last word when it ends on purpose."""
    from sse_starlette import ServerSentEvent

    try:
        async for batch in view.batches(heartbeat_seconds):
            if not batch:
                yield HEARTBEAT
                continue
            yield b"".join(
                ServerSentEvent(data=item.data, event=item.event, id=item.id).encode()
                for item in batch
            )
    except FellBehind:
        # Too slow to keep up: told to refetch, then closed, so it never holds the others back.
        yield ServerSentEvent(data="{}", event=REFETCH_EVENT, retry=RECONNECT_MS).encode()
    except Closing:
        # Shutting down (or the client left): it reconnects, to another instance, after this.
        yield ServerSentEvent(comment="shutting down", retry=RECONNECT_MS).encode()
    except (RedisConnectionError, RedisTimeoutError) as exc:
        # Past redis-py's own retries: end the stream; the client reconnects with its
        # Last-Event-ID (and gets a 503 until Redis is back).
        log.warning("a live stream lost Redis: %s", exc)
