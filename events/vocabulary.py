"""The words TaskFlow's events and API share: statuses, priorities, roles and the task fields a
command may carry, with the names people read. The contract owns them; the core, the e-mails
and the web app (through a generated module) take them from here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

Status = Literal["todo", "in_progress", "review", "done", "cancelled"]
Priority = Literal["low", "medium", "high", "urgent"]
# A member's role in a project.
Role = Literal["owner", "editor", "viewer"]

# The names people read, in the order screens list them.
STATUS_NAMES: Final[dict[Status, str]] = {
    "todo": "To do",
    "in_progress": "In progress",
    "review": "In review",
    "done": "Done",
    "cancelled": "Cancelled",
}
PRIORITY_NAMES: Final[dict[Priority, str]] = {
    "urgent": "Urgent",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
}
ROLE_NAMES: Final[dict[Role, str]] = {"owner": "Owner", "editor": "Editor", "viewer": "Viewer"}


def _without_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000: refuse it here (422), not in the database (500).
    if "\x00" in value:
        raise ValueError("text cannot contain the NUL character")
    return value


NoNul = AfterValidator(_without_nul)


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 9999-12-31T23:00-05:00 has no UTC year
        raise ValueError("the instant is out of range") from exc


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]
Description = Annotated[str, Field(max_length=20_000), NoNul]
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50, to_lower=True),
    NoNul,
]
Labels = Annotated[list[Label], Field(max_length=20)]


def unique_labels(labels: list[str] | None) -> list[str] | None:
    return None if labels is None else list(dict.fromkeys(labels))
