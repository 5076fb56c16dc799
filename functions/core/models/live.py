"""What a live stream sends besides notifications: the changes to a person's projects."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from functions.core.models.common import Public


class LiveChange(Public):
    """A change on a project's screens: the SSE event `change`.

    `type` is the CloudEvent type and `data` its data (the event's JSON Schema describes
    it, at `/api/events/schemas/{type}`); `event_id` is the CloudEvent's id, the same
    however often the change is sent.
    """

    type: str
    event_id: str
    project_id: uuid.UUID
    actor_id: uuid.UUID | None
    actor_name: str | None
    time: datetime
    data: dict[str, Any]


class Revoked(Public):
    """The SSE event `revoked`: the person may no longer see this project."""

    project_id: uuid.UUID
