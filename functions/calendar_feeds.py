"""Calendar functions: private iCalendar feeds of a person's tasks with due dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.responses import Response

from functions.core.models.calendar import (
    CalendarFeedCreate,
    CalendarFeedCreated,
    CalendarFeedsPublic,
)
from functions.core.runtime import Runtime
from functions.core.services import calendar
from functions.edge import Call, endpoint
from functions.sink import event_sink

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

CALENDAR_MEDIA_TYPE: Final = "text/calendar"
# Only the owner's calendar app should keep it, and it asks again each time (with its ETag).
CALENDAR_CACHE_CONTROL: Final = "private, no-cache"
IF_NONE_MATCH_DOC: Final = "The ETag of the document held: while it still stands, 304 and no body."


@endpoint(response=CalendarFeedsPublic)
async def list_calendar_feeds(call: Call[None, None]) -> CalendarFeedsPublic:
    """The caller's calendar feeds (their URLs are shown only at creation)."""
    return await calendar.list_feeds(call.rt, call.user.user_id)


@endpoint(body=CalendarFeedCreate, body_optional=True, response=CalendarFeedCreated, status=201)
async def create_calendar_feed(call: Call[CalendarFeedCreate | None, None]) -> CalendarFeedCreated:
    """A private iCalendar URL of the caller's assigned and watched tasks with due dates.

    For a calendar app to subscribe to: it takes no token, the URL holds the secret, and the
    answer is the only time it is shown."""
    request = call.body or CalendarFeedCreate()
    return await calendar.create_feed(call.rt, call.user.user_id, request)


@endpoint(status=204)
async def revoke_calendar_feed(call: Call[None, None]) -> None:
    """Revoke a calendar feed: its URL answers 404 from now on."""
    await calendar.revoke_feed(call.rt, call.user.user_id, call.path_uuid("feed_id"))


@endpoint(
    auth=False,
    produces=CALENDAR_MEDIA_TYPE,
    headers={"If-None-Match": IF_NONE_MATCH_DOC},
    responses={304: "Not modified: the document whose ETag was sent still stands."},
)
async def calendar_feed(call: Call[None, None]) -> Response:
    """A feed's iCalendar document, reached by the secret in its URL (no token).

    `<secret>.ics` or the bare secret; 404 once the feed is revoked. The document is cached
    until the next change to what it shows, and answered 304 to the ETag of the one held."""
    document = await calendar.feed_document(call.rt, call.path_params.get("token", ""))
    headers = {"ETag": document.etag, "Cache-Control": CALENDAR_CACHE_CONTROL}
    if _none_match(call.request.headers.get("if-none-match"), document.etag):
        return Response(status_code=304, headers=headers)
    # Starlette adds "; charset=utf-8" to a text/ type.
    return Response(document.body, media_type=CALENDAR_MEDIA_TYPE, headers=headers)


@event_sink
async def refresh_calendars(rt: Runtime, event: CloudEvent) -> None:
    """A change in a project: the cached feeds that show its tasks are built afresh when next
    fetched."""
    await calendar.refresh(rt, event)


def _none_match(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags
