"""Who a text mentions: `@Display Name` or `@email@address` of a current member of the project.

A mention starts with an `@` at the start of the text or after a character that is not part of
a word (so `ana@example.com` in a sentence mentions no one). What follows is matched, ignoring
case, against the members' display names and e-mail addresses; the longest one that ends at
the end of the text or before a character that is not part of a word wins (`@Ana Lima` is Ana
Lima even when an `Ana` is a member too). Only members are ever resolved: a name or address of
anyone else mentions no one.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.tables import project_members, users


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    display_name: str
    email: str


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


def _ends_there(text: str, end: int) -> bool:
    return end == len(text) or not _is_word(text[end])


def mentioned(text: str, members: Sequence[Member]) -> list[uuid.UUID]:
    """The members `text` mentions, in the order of their first mention."""
    found: dict[uuid.UUID, None] = {}
    names = [(m.display_name.strip().lower(), m.user_id) for m in members]
    names += [(m.email.strip().lower(), m.user_id) for m in members]
    names = [(name, user_id) for name, user_id in names if name]
    lowered = text.lower()
    if len(lowered) != len(text):  # lowering changed lengths (rare scripts): match as is
        lowered = text
    start = lowered.find("@")
    while start != -1:
        if start == 0 or not _is_word(text[start - 1]):
            after = start + 1
            matches = [
                (len(name), user_id)
                for name, user_id in names
                if lowered.startswith(name, after) and _ends_there(text, after + len(name))
            ]
            if matches:
                longest = max(length for length, _ in matches)
                for length, user_id in matches:
                    if length == longest:
                        found.setdefault(user_id)
        start = lowered.find("@", start + 1)
    return list(found)


async def members_of(conn: AsyncConnection, project_id: uuid.UUID) -> list[Member]:
    rows = (
        await conn.execute(
            select(users.c.id, users.c.display_name, users.c.email)
            .join(project_members, project_members.c.user_id == users.c.id)
            .where(project_members.c.project_id == project_id)
        )
    ).all()
    return [Member(row.id, row.display_name, row.email) for row in rows]


async def newly_mentioned(
    conn: AsyncConnection,
    project_id: uuid.UUID,
    text: str | None,
    *,
    before: str | None = None,
    author_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """The members `text` mentions that `before` (the text it replaces) did not; never its
    author, who cannot mention themselves."""
    if not text or "@" not in text:
        return []
    members = await members_of(conn, project_id)
    already: Collection[uuid.UUID] = set(mentioned(before, members)) if before else set()
    return _without(mentioned(text, members), {*already, author_id})


def _without(ids: Iterable[uuid.UUID], left_out: Collection[uuid.UUID | None]) -> list[uuid.UUID]:
    return [user_id for user_id in ids if user_id not in left_out]
