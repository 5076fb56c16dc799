"""Notification preferences: whether a person is e-mailed, and about which kinds of notice.

Rules in one place:
- a person without a saved row has the defaults: no e-mail, every kind on once enabled;
- the kinds are stored as those switched off, so a kind added later is mailed by default
  to those who chose e-mail;
- the in-app feed and webhooks are not governed here: the feed shows everything, and a
  webhook is itself the choice to receive every notice;
- default reminders (minutes before due) are kept here too, and applied by
  services.reminders when a task is assigned to the person.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.models.preferences import (
    NOTICE_KINDS,
    PreferencesPublic,
    PreferencesUpdate,
)
from functions.core.runtime import Runtime
from functions.core.tables import notification_preferences, users


@dataclass(frozen=True)
class MailRecipient:
    user_id: uuid.UUID
    email: str
    display_name: str


async def get_preferences(rt: Runtime, user_id: uuid.UUID) -> PreferencesPublic:
    """The caller's preferences, or the defaults if they never saved any."""
    mine = select(notification_preferences).where(notification_preferences.c.user_id == user_id)
    async with reading(rt.engine) as conn:
        row = (await conn.execute(mine)).first()
    if row is None:
        return _public(email_enabled=False, muted=(), defaults=[], updated_at=None)
    return _public(row.email_enabled, row.email_muted_kinds, row.default_reminders, row.updated_at)


async def update_preferences(
    rt: Runtime, user_id: uuid.UUID, changes: PreferencesUpdate
) -> PreferencesPublic:
    """Change the fields sent; kinds not named in `email_kinds` keep their setting, and
    `default_reminders` replaces the list."""
    async with transaction(rt.engine) as conn:
        current = (
            await conn.execute(
                select(notification_preferences)
                .where(notification_preferences.c.user_id == user_id)
                .with_for_update()
            )
        ).first()
        enabled = current.email_enabled if current is not None else False
        muted = set(current.email_muted_kinds) if current is not None else set()
        defaults: list[int] = list(current.default_reminders) if current is not None else []
        if changes.email_enabled is not None:
            enabled = changes.email_enabled
        for kind, wanted in (changes.email_kinds or {}).items():
            (muted.discard if wanted else muted.add)(kind)
        if changes.default_reminders is not None:
            defaults = changes.default_reminders
        now = utcnow()
        values = {
            "email_enabled": enabled,
            "email_muted_kinds": sorted(muted),
            "default_reminders": defaults,
            "updated_at": now,
        }
        await conn.execute(_upsert(conn, {"user_id": user_id, **values}, values))
    return _public(enabled, muted, defaults, now)


async def mail_recipients(
    conn: AsyncConnection, user_ids: Collection[uuid.UUID], kind: str
) -> list[MailRecipient]:
    """Of `user_ids`, those who want an e-mail about a notice of `kind`, with their address
    (only a verified address is mailed)."""
    if not user_ids:
        return []
    rows = await conn.execute(
        select(
            users.c.id,
            users.c.email,
            users.c.display_name,
            notification_preferences.c.email_muted_kinds,
        )
        .join(notification_preferences, notification_preferences.c.user_id == users.c.id)
        .where(users.c.id.in_(list(user_ids)))
        .where(notification_preferences.c.email_enabled)
        .where(users.c.email_verified_at.is_not(None))
    )
    return [
        MailRecipient(row.id, row.email, row.display_name)
        for row in rows
        if kind not in row.email_muted_kinds
    ]


async def default_reminders(
    conn: AsyncConnection, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[int]]:
    """Each person's default reminders (minutes before due), for those who have any."""
    if not user_ids:
        return {}
    rows = await conn.execute(
        select(
            notification_preferences.c.user_id, notification_preferences.c.default_reminders
        ).where(notification_preferences.c.user_id.in_(list(user_ids)))
    )
    return {row.user_id: list(row.default_reminders) for row in rows if row.default_reminders}


def _public(
    email_enabled: bool,
    muted: Collection[str],
    defaults: Collection[int],
    updated_at: datetime | None,
) -> PreferencesPublic:
    return PreferencesPublic(
        email_enabled=email_enabled,
        email_kinds={kind: kind not in muted for kind in NOTICE_KINDS},
        default_reminders=sorted(defaults),
        updated_at=updated_at,
    )


def _upsert(conn: AsyncConnection, row: dict[str, Any], changes: dict[str, Any]) -> Any:
    """INSERT, or UPDATE the row already there (two first saves at once both succeed)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(notification_preferences).values(**row)
    return statement.on_conflict_do_update(index_elements=["user_id"], set_=changes)
