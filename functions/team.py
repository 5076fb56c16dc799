"""Team changes: each change to a project, kept for its members' open screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.core.runtime import Runtime
from functions.core.services import team_changes
from functions.sink import event_sink

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent


@event_sink
async def publish_change(rt: Runtime, event: CloudEvent) -> None:
    """Append a change to its project's live changes, once however often it arrives: every
    member's open stream carries it."""
    await team_changes.publish(rt, event)
