"""Recurring tasks: RFC 5545 RRULEs, and the next occurrence a completion creates, once.

Rules in one place:
- `recurrence` holds one RRULE (`FREQ=WEEKLY;BYDAY=MO`), taken with or without `RRULE:`,
  stored without it in upper case, and evaluated by python-dateutil. Refused (a 422 on
  `recurrence`): what does not parse; DTSTART or any other line (a rule starts at its task's
  due date); a rule more often than daily (FREQ=HOURLY and finer, BYHOUR/BYMINUTE/BYSECOND:
  the time of day is the due date's); COUNT with UNTIL; a rule that matches no day in the
  next 400 years; and a rule on a task without a due date (so clearing the due date of a
  recurring task is refused too).
- `recurrence_basis`: "due" (the default with a rule) or "completion"; null without a rule.
- Completing a recurring task (to done, from any other status, by PATCH or in bulk) whose
  `next_occurrence_id` is null creates its next occurrence in the same transaction: a copy of
  it (project, parent, title, description, priority, labels, assignee, rule), to do, due at
  the rule's first occurrence after its due date (basis "due") or after the day it was
  completed, at its due date's time of day (basis "completion"), on the completer's clock
  (14:00 stays 14:00 across a change of summer time; an all-day task's next is a day).
  COUNT counts the occurrences left: the next one's rule has COUNT-1, and COUNT=1 creates
  none; UNTIL: none after it. `next_occurrence_id` is then set on the completed task, under
  the row lock the caller took: a retried, concurrent or repeated completion creates no other.
"""

from __future__ import annotations

import re
import uuid
from datetime import MAXYEAR, UTC, date, datetime, time, tzinfo
from typing import Any, Final

from dateutil.rrule import rrule, rrulestr
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.clock import utcnow
from functions.core.errors import InvalidInput
from functions.core.models.tasks import TaskPublic
from functions.core.queries.task_rows import TASK_COLUMNS, task_from_row
from functions.core.services import reminders, task_events
from functions.core.tables import tasks, users
from functions.core.time_zones import zone

FREQUENCIES: Final = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_FINER: Final = ("HOURLY", "MINUTELY", "SECONDLY")
_TIME_OF_DAY: Final = ("BYHOUR", "BYMINUTE", "BYSECOND")
_PARTS: Final = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "WKST",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
    }
)
_UNTIL: Final = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")
_POSITIVE: Final = re.compile(r"[1-9]\d{0,5}")
# Lists of numbers that may count from the end; 0 is none of them (dateutil reads it as "any").
_NUMBERED: Final = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS")
_NUMBER: Final = re.compile(r"[+-]?[1-9]\d{0,2}")
# Days as DAILY and WEEKLY rules pick them (an ordinal such as 2MO counts within a month or a
# year only, so they ignore it).
_ORDINAL: Final = re.compile(r"[+-]?\d+")
# How far ahead a rule is looked at, at least. dateutil walks a rule that never matches up to
# the year 9999 (seconds of CPU for a daily one): see `_first`.
HORIZON_YEARS: Final = 400
_PREFIX: Final = "RRULE:"


def _refused(message: str) -> InvalidInput:
    return InvalidInput(
        f"recurrence: {message}",
        errors=[{"loc": ["recurrence"], "msg": message, "type": "recurrence"}],
    )


def parts_of(rule: str) -> dict[str, str]:
    """A stored (normalised) rule's parts, in order."""
    return dict(part.split("=", 1) for part in rule.split(";"))


def normalised(text: str) -> str:
    """The rule as stored: without `RRULE:`, upper case, each part checked; or a 422."""
    rule = text.strip()
    if rule.upper().startswith(_PREFIX):
        rule = rule[len(_PREFIX) :]
    if "\n" in rule or "\r" in rule or ":" in rule:
        raise _refused("send one RRULE and nothing else: no DTSTART, EXDATE or RDATE")
    parts: dict[str, str] = {}
    for part in filter(str.strip, rule.upper().split(";")):
        name, equals, value = (p.strip() for p in part.partition("="))
        if not equals or not name or not value:
            raise _refused(f"“{part.strip()}” is not NAME=VALUE")
        if name not in _PARTS:
            raise _refused(_unknown(name))
        if name in parts:
            raise _refused(f"{name} is given twice")
        parts[name] = value
    _check(parts)
    # FREQ first, as some calendar programs expect.
    return _joined({"FREQ": parts.pop("FREQ"), **parts})


def _joined(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts.items())


def _unknown(name: str) -> str:
    if name in _TIME_OF_DAY:
        return f"{name} is not taken: a task repeats at most daily, at its due date's time"
    if name == "DTSTART":
        return "a rule starts at its task's due date: leave DTSTART out"
    return f"{name} is not a part of an RRULE TaskFlow takes"


def _check(parts: dict[str, str]) -> None:
    frequency = parts.get("FREQ")
    if frequency is None:
        raise _refused("FREQ is missing (DAILY, WEEKLY, MONTHLY or YEARLY)")
    if frequency in _FINER:
        raise _refused(f"FREQ={frequency} is more often than a task can repeat: at most DAILY")
    if frequency not in FREQUENCIES:
        raise _refused(f"FREQ={frequency} is not DAILY, WEEKLY, MONTHLY or YEARLY")
    for name in ("COUNT", "INTERVAL"):
        if name in parts and not _POSITIVE.fullmatch(parts[name]):
            raise _refused(f"{name} must be a whole number from 1 to 999999")
    for name in _NUMBERED:
        if name in parts and not all(_NUMBER.fullmatch(n) for n in parts[name].split(",")):
            raise _refused(f"{name} takes numbers other than 0, separated by commas")
    if "BYSETPOS" in parts and frequency not in ("MONTHLY", "YEARLY"):
        raise _refused("BYSETPOS is taken with FREQ=MONTHLY or YEARLY only")
    if "UNTIL" in parts and "COUNT" in parts:
        raise _refused("give COUNT or UNTIL, not both")
    if "UNTIL" in parts:
        try:
            _until(parts["UNTIL"], UTC)
        except ValueError as exc:
            raise _refused(
                "UNTIL must be a date (20271231) or a UTC time (20271231T170000Z)"
            ) from exc
    try:
        first = _first(_days_of(parts), datetime(2000, 1, 1), until=None, inclusive=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise _refused(f"not an RRULE: {exc}") from exc
    if first is None:
        raise _refused(f"the rule matches no day in the next {HORIZON_YEARS} years")


def _days_of(parts: dict[str, str]) -> dict[str, str]:
    """A rule matching the same days as a daily or weekly one, that dateutil walks a year at a
    time rather than a day or a week (a rule matching none is walked to the horizon)."""
    if parts["FREQ"] not in ("DAILY", "WEEKLY"):
        return parts
    days = {k: v for k, v in parts.items() if k.startswith("BY") or k == "WKST"}
    if "BYDAY" in days:
        days["BYDAY"] = ",".join(_ORDINAL.sub("", day) for day in days["BYDAY"].split(","))
    return {"FREQ": "YEARLY", **days}


def _first(
    parts: dict[str, str], start: datetime, *, until: datetime | None, inclusive: bool
) -> datetime | None:
    """The rule's first occurrence after `start` (or at it, if `inclusive`), starting there and
    ending at `until` (naive, on one clock); None if none within HORIZON_YEARS or so."""
    # Evaluated whole 400-year cycles of the Gregorian calendar later (the same weekdays and
    # leap days), 400 to 800 years short of 9999, where dateutil stops: any walk ends soon.
    shift = HORIZON_YEARS * max(0, (MAXYEAR - HORIZON_YEARS - start.year) // HORIZON_YEARS)
    pattern = _joined({k: v for k, v in parts.items() if k not in ("COUNT", "UNTIL")})
    rule = rrulestr(pattern, dtstart=_years_on(start, shift))
    if not isinstance(rule, rrule):  # one RRULE line parses to an rrule, never a set
        raise ValueError("not a single rule")
    if until is not None and until.year + shift <= MAXYEAR:
        # (Later, once shifted, is beyond every occurrence looked at: no bound.)
        rule = rule.replace(until=_years_on(until, shift))
    found: datetime | None = rule.after(_years_on(start, shift), inc=inclusive)
    return None if found is None else _years_on(found, -shift)


def _years_on(moment: datetime, years: int) -> datetime:
    # Whole 400-year cycles: a 29 February stays one.
    return moment.replace(year=moment.year + years)


def checked(values: dict[str, Any], before: TaskPublic | None) -> dict[str, Any]:
    """`values` (column values about to be written; `before`: the task as it is, None for a new
    one) with the rule normalised and its basis set, or a 422 naming the field."""
    values = dict(values)
    if values.get("recurrence") is not None:
        values["recurrence"] = normalised(values["recurrence"])
    rule = values["recurrence"] if "recurrence" in values else _was(before, "recurrence")
    if rule is None:
        if "recurrence" in values or "recurrence_basis" in values:
            values["recurrence_basis"] = None
        return values
    due_at = values["due_at"] if "due_at" in values else _was(before, "due_at")
    if due_at is None:
        raise _refused("a recurring task needs a due date (stop it repeating to clear it)")
    if values.get("recurrence_basis") is None and (
        "recurrence" in values or "recurrence_basis" in values
    ):
        values["recurrence_basis"] = _was(before, "recurrence_basis") or "due"
    return values


def _was(before: TaskPublic | None, name: str) -> Any:
    return None if before is None else getattr(before, name)


async def follow(
    conn: AsyncConnection, actor_id: uuid.UUID, changes: list[tuple[TaskPublic, TaskPublic]]
) -> list[TaskPublic]:
    """The `after` of each (before, after), with the next occurrence created for each recurring
    task this change completed (and `next_occurrence_id` set on it)."""
    results = []
    clock: tzinfo | None = None
    for before, after in changes:
        if _completes(before, after):
            if clock is None:
                clock = await _clock_of(conn, actor_id)
            after = await _next_occurrence(conn, actor_id, after, clock)
        results.append(after)
    return results


def _completes(before: TaskPublic, after: TaskPublic) -> bool:
    return (
        after.status == "done"
        and before.status != "done"
        and after.recurrence is not None
        and after.next_occurrence_id is None
        and after.due_at is not None
    )


async def _clock_of(conn: AsyncConnection, user_id: uuid.UUID) -> tzinfo:
    return zone(await conn.scalar(select(users.c.time_zone).where(users.c.id == user_id)))


async def _next_occurrence(
    conn: AsyncConnection, actor_id: uuid.UUID, task: TaskPublic, clock: tzinfo
) -> TaskPublic:
    """`task`, completed, with its next occurrence created (unless its rule has ended)."""
    assert task.recurrence is not None
    parts = parts_of(task.recurrence)
    left = int(parts["COUNT"]) if "COUNT" in parts else None
    if left is not None and left <= 1:
        return task
    due = _next_due(task, parts, clock)
    if due is None:
        return task
    due_at, due_date = due
    if left is not None:
        parts["COUNT"] = str(left - 1)
    now = utcnow()
    row = (
        await conn.execute(
            insert(tasks)
            .values(
                id=uuid.uuid4(),
                project_id=task.project_id,
                parent_id=task.parent_id,
                title=task.title,
                description=task.description,
                status="todo",
                priority=task.priority,
                labels=task.labels,
                assignee_id=task.assignee_id,
                creator_id=task.creator_id,
                due_at=due_at,
                due_date=due_date,
                recurrence=_joined(parts),
                recurrence_basis=task.recurrence_basis,
                created_at=now,
                updated_at=now,
                version=1,
            )
            .returning(*TASK_COLUMNS)
        )
    ).one()
    following = task_from_row(row)
    await conn.execute(
        update(tasks)
        .where(tasks.c.id == task.id, tasks.c.next_occurrence_id.is_(None))
        .values(next_occurrence_id=following.id)
    )
    await reminders.carry_over(conn, task.id, following)
    await reminders.follow(conn, [(None, following)])
    await task_events.task_created(conn, actor_id, following)
    return task.model_copy(update={"next_occurrence_id": following.id})


def _next_due(
    task: TaskPublic, parts: dict[str, str], clock: tzinfo
) -> tuple[datetime, date | None] | None:
    """The next occurrence's due_at and (all-day) due_date, on the completer's clock."""
    assert task.due_at is not None
    completed = (task.completed_at or utcnow()).astimezone(clock)
    by_completion = task.recurrence_basis == "completion"
    until = _until(parts.get("UNTIL"), clock)
    try:
        if task.due_date is not None:
            day = completed.date() if by_completion else task.due_date
            found = _first(parts, datetime.combine(day, time()), until=until, inclusive=False)
            if found is None:
                return None
            end_of_day = datetime.combine(found.date(), time(23, 59, 59), clock)
            return end_of_day.astimezone(UTC), found.date()
        due = task.due_at.astimezone(clock).replace(tzinfo=None)
        start = datetime.combine(completed.date(), due.time()) if by_completion else due
        found = _first(parts, start, until=until, inclusive=False)
        return None if found is None else (found.replace(tzinfo=clock).astimezone(UTC), None)
    except OverflowError:  # past what a date can hold: the rule has ended, in effect
        return None


def _until(value: str | None, clock: tzinfo) -> datetime | None:
    """UNTIL on the completer's clock (naive): a date takes in all of that day."""
    if value is None:
        return None
    found = _UNTIL.fullmatch(value)
    if found is None:
        raise ValueError(f"not an UNTIL: {value}")
    day, moment, utc = found.groups()
    on = datetime.strptime(day, "%Y%m%d")
    if moment is None:
        return datetime.combine(on.date(), time(23, 59, 59))
    at = datetime.combine(on.date(), datetime.strptime(moment, "%H%M%S").time())
    if utc:
        try:
            return at.replace(tzinfo=UTC).astimezone(clock).replace(tzinfo=None)
        except OverflowError:
            return at
    return at
