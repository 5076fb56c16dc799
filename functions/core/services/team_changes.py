"""What changes on a project's screens, kept in Redis for the members' live streams.

Keys, each under the settings' prefix:

- `team:project:<project>`: a stream, the project's changes, newest `team_changes_kept`;
  it goes after `team_changes_ttl_hours` without a change. Its entries' ids are Redis's own
  (`*`), so the ids of every project's stream share one clock: the server's.
- `team:access:<user>`: a stream of the projects a person was added to, so their open
  streams start following a project without reconnecting.
- `team:seen:<sha256 of the event's source and id>`: an event already published.

An entry's field `c` holds the change as the stream sends it (`LiveChange`, as JSON), so a
change is encoded once however many streams carry it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from redis.exceptions import WatchError

from events import types
from events.models import MemberAdded
from functions.core.clock import utcnow
from functions.core.kv import key, live_channel
from functions.core.live import announce
from functions.core.models.live import LiveChange
from functions.core.settings import Settings

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from functions.core.runtime import Runtime

# Long enough to outlast any redelivery or replay of the broker's retention.
DEDUPE_TTL: Final = timedelta(days=7)
# Attempts at publishing while other publishers keep changing the same keys.
PUBLISH_ATTEMPTS: Final = 20
CHANGE_FIELD: Final = "c"


def project_key(s: Settings, project_id: uuid.UUID | str) -> str:
    return key(s, "team", "project", str(project_id))


def access_key(s: Settings, user_id: uuid.UUID | str) -> str:
    return key(s, "team", "access", str(user_id))


def _seen_key(s: Settings, source: str, event_id: str) -> str:
    digest = hashlib.sha256(json.dumps([source, event_id]).encode()).hexdigest()
    return key(s, "team", "seen", digest)


async def publish(rt: Runtime, event: CloudEvent) -> bool:
    """Append `event` to its project's changes (and, for a new member, to their access
    stream), announced to the live streams; once, however often it arrives. True when it
    was new."""
    change = await _change(rt, event)
    s = rt.settings
    keys = [project_key(s, change.project_id)]
    if change.type == types.MEMBER_ADDED:
        keys.append(access_key(s, change.data["user_id"]))
    seen = _seen_key(s, str(event["source"]), str(event["id"]))
    fields = {CHANGE_FIELD: change.model_dump_json()}
    ttl = timedelta(hours=s.team_changes_ttl_hours)
    for attempt in range(PUBLISH_ATTEMPTS):
        try:
            async with rt.redis.pipeline(transaction=True) as pipe:
                await pipe.watch(seen)
                if await pipe.exists(seen):
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.set(seen, "1", ex=DEDUPE_TTL)
                for stream in keys:
                    pipe.xadd(stream, fields, maxlen=s.team_changes_kept, approximate=False)  # type: ignore[arg-type]
                    pipe.expire(stream, ttl)
                announce(pipe, live_channel(s), keys)
                await pipe.execute()
                return True
        except WatchError:  # the same event, published by a twin delivery at this moment
            await asyncio.sleep(0.001 * (attempt + 1))
    raise RuntimeError("could not publish a change: its key kept changing")


async def _change(rt: Runtime, event: CloudEvent) -> LiveChange:
    """The change as the streams send it: the event's data, checked against its model, with
    who made it."""
    from sqlalchemy import select

    from functions.core.database import reading
    from functions.core.errors import InvalidInput
    from functions.core.services.recipients import parse_data
    from functions.core.tables import users

    data = parse_data(event)  # InvalidInput when it does not fit its schema
    project = event.get(types.PROJECT_ID)
    if isinstance(data, MemberAdded):
        project = project or str(data.project_id)
    try:
        project_id = uuid.UUID(str(project))
        actor = event.get(types.ACTOR_ID)
        actor_id = uuid.UUID(str(actor)) if actor else None
    except ValueError as exc:
        raise InvalidInput(f"{event['type']} needs a project id and a valid actor id") from exc
    actor_name = None
    if actor_id is not None:
        async with reading(rt.engine) as conn:
            actor_name = await conn.scalar(
                select(users.c.display_name).where(users.c.id == actor_id)
            )
    return LiveChange(
        type=event["type"],
        event_id=str(event["id"]),
        project_id=project_id,
        actor_id=actor_id,
        actor_name=actor_name,
        time=event.get("time") or utcnow().isoformat(),
        data=data.model_dump(mode="json"),
    )
