"""Calendar feeds on the wire: private iCalendar URLs of a person's tasks with due dates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from events.vocabulary import NoNul, NotBlank
from functions.core.models.common import Public, Strict

FeedName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    NoNul,
    NotBlank,
]


class CalendarFeedCreate(Strict):
    """A new feed; its name is what calendar apps show for it."""

    name: FeedName = "Calendar"


class CalendarFeedPublic(Public):
    """A feed as listed: never its URL, whose secret is shown only at creation."""

    id: uuid.UUID
    name: str
    created_at: datetime
    # When a calendar app last fetched it (to the hour); None until the first fetch.
    last_used_at: datetime | None = None


class CalendarFeedCreated(Public):
    """The answer to creating a feed: the only time its URL (holding its secret) is shown."""

    id: uuid.UUID
    name: str
    url: str
    created_at: datetime


class CalendarFeedsPublic(Public):
    """Oldest first."""

    items: list[CalendarFeedPublic]
