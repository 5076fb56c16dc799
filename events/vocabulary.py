"""The words TaskFlow's events and API share: statuses, priorities, roles and the task fields a
command may carry, with the names people read. The contract owns them; the core, the e-mails
and the web app (through a generated module) take them from here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

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


class _WithoutNul:
    """Refuses U+0000, and the document says so."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_without_nul, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", r"^[^\x00]*$")
        return json_schema


NoNul = _WithoutNul()
# For the document only: a string stripped before its length is checked must keep a character
# that is not white space (and, like every text, holds no NUL).
NotBlank = Field(json_schema_extra={"pattern": r"^[^\x00]*[^\x00\s][^\x00]*$"})


def _not_a_number(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970; an instant is an RFC 3339 date-time only.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("send an instant as an RFC 3339 date-time")
    return value


_NUMBER: Final = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 9999-12-31T23:00-05:00 has no UTC year
        raise ValueError("the instant is out of range") from exc


Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_in_utc)]


def _calendar_day(value: Any) -> Any:
    # pydantic would also read a number (seconds since 1970) or a midnight date-time as a day.
    if isinstance(value, datetime) or not (
        isinstance(value, date) or (isinstance(value, str) and _DAY.fullmatch(value))
    ):
        raise ValueError("send a day as YYYY-MM-DD")
    return value


_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
# A calendar day, for an all-day due date ("2026-12-05").
Day = Annotated[date, BeforeValidator(_calendar_day)]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    NoNul,
    NotBlank,
]
Description = Annotated[str, Field(max_length=20_000), NoNul]
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50, to_lower=True),
    NoNul,
    NotBlank,
]
Labels = Annotated[list[Label], Field(max_length=20)]
# An RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=MO`, with or without `RRULE:`); checked by the
# services, which evaluate it.
Recurrence = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NoNul
]
# A recurring task's next due date counts from its due date, or from when it was completed.
RecurrenceBasis = Literal["due", "completion"]


def unique_labels(labels: list[str] | None) -> list[str] | None:
    return None if labels is None else list(dict.fromkeys(labels))
