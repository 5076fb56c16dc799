"""RRULEs as TaskFlow takes them, and the next due date each gives (no database)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from functions.core.errors import InvalidInput
from functions.core.models.tasks import TaskPublic
from functions.core.services.recurrence import _next_due, checked, normalised, parts_of
from functions.core.time_zones import zone

MONDAY = datetime(2030, 1, 7, 14, 0, tzinfo=UTC)


def task(rule: str, **fields: Any) -> TaskPublic:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "project_id": uuid.uuid4(),
        "title": "Repeat",
        "description": "",
        "status": "done",
        "priority": "medium",
        "due_at": MONDAY,
        "due_date": None,
        "labels": [],
        "assignee_id": None,
        "creator_id": None,
        "created_at": MONDAY,
        "updated_at": MONDAY,
        "completed_at": MONDAY,
        "version": 2,
        "parent_id": None,
        "subtask_count": 0,
        "subtasks_done": 0,
        "recurrence": normalised(rule),
        "recurrence_basis": "due",
        "next_occurrence_id": None,
    }
    return TaskPublic.model_validate({**values, **fields})


def next_due(rule: str, clock: str | None = None, **fields: Any) -> tuple[datetime, date | None]:
    repeating = task(rule, **fields)
    assert repeating.recurrence is not None
    found = _next_due(repeating, parts_of(repeating.recurrence), zone(clock))
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("FREQ=WEEKLY", "FREQ=WEEKLY"),
        ("RRULE:FREQ=WEEKLY", "FREQ=WEEKLY"),
        (" rrule:byday=mo,fr;freq=weekly; ", "FREQ=WEEKLY;BYDAY=MO,FR"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
        ("FREQ=DAILY;UNTIL=20301231T170000Z", "FREQ=DAILY;UNTIL=20301231T170000Z"),
    ],
)
def test_a_rule_is_stored_without_its_prefix_in_upper_case_freq_first(
    given: str, stored: str
) -> None:
    assert normalised(given) == stored


def test_a_rule_that_never_matches_is_refused_at_once() -> None:
    started = time.perf_counter()
    for rule in (
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31;BYDAY=MO",
        "FREQ=DAILY;BYYEARDAY=367",
    ):
        with pytest.raises(InvalidInput):
            normalised(rule)
    # dateutil alone walks each of these day by day to the year 9999 (seconds each).
    assert time.perf_counter() - started < 1


def test_the_basis_is_due_with_a_rule_and_null_without() -> None:
    due = {"due_at": MONDAY}
    assert (
        checked({**due, "recurrence": "FREQ=DAILY", "recurrence_basis": None}, None)[
            "recurrence_basis"
        ]
        == "due"
    )
    assert (
        checked({**due, "recurrence": None, "recurrence_basis": "completion"}, None)[
            "recurrence_basis"
        ]
        is None
    )
    with pytest.raises(InvalidInput):
        checked({"due_at": None}, task("FREQ=DAILY"))


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=DAILY", datetime(2030, 1, 8, 14, 0, tzinfo=UTC)),
        ("FREQ=WEEKLY;INTERVAL=2", datetime(2030, 1, 21, 14, 0, tzinfo=UTC)),
        ("FREQ=WEEKLY;BYDAY=MO,TH", datetime(2030, 1, 10, 14, 0, tzinfo=UTC)),
        ("FREQ=MONTHLY", datetime(2030, 2, 7, 14, 0, tzinfo=UTC)),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", datetime(2030, 2, 4, 14, 0, tzinfo=UTC)),
        ("FREQ=YEARLY", datetime(2031, 1, 7, 14, 0, tzinfo=UTC)),
        ("FREQ=DAILY;COUNT=2", datetime(2030, 1, 8, 14, 0, tzinfo=UTC)),
    ],
)
def test_the_next_due_date_is_the_rules_next_occurrence(rule: str, expected: datetime) -> None:
    assert next_due(rule) == (expected, None)


def test_the_completers_clock_keeps_the_time_of_day_across_summer_time() -> None:
    # 09:00 in New York on the Saturday before the clocks go forward (EST, UTC-5).
    due = datetime(2030, 3, 9, 14, 0, tzinfo=UTC)
    assert next_due("FREQ=DAILY", "America/New_York", due_at=due) == (
        datetime(2030, 3, 10, 13, 0, tzinfo=UTC),  # 09:00 EDT
        None,
    )
    # On UTC's clock the same rule keeps 14:00 UTC.
    assert next_due("FREQ=DAILY", None, due_at=due)[0] == datetime(2030, 3, 10, 14, 0, tzinfo=UTC)


def test_an_all_day_task_repeats_on_days() -> None:
    due_date = date(2030, 1, 31)
    end = datetime(2030, 1, 31, 23, 59, 59, tzinfo=UTC)
    assert next_due("FREQ=MONTHLY;BYMONTHDAY=-1", due_at=end, due_date=due_date) == (
        datetime(2030, 2, 28, 23, 59, 59, tzinfo=UTC),
        date(2030, 2, 28),
    )


def test_from_completion_the_rule_starts_the_day_it_was_completed() -> None:
    completed = datetime(2030, 1, 10, 8, 30, tzinfo=UTC)  # a Thursday morning
    assert next_due("FREQ=WEEKLY", recurrence_basis="completion", completed_at=completed) == (
        datetime(2030, 1, 17, 14, 0, tzinfo=UTC),
        None,
    )


def test_until_ends_the_rule() -> None:
    ended = task("FREQ=DAILY;UNTIL=20300107T235959Z")
    assert ended.recurrence is not None
    assert _next_due(ended, parts_of(ended.recurrence), zone(None)) is None
    # A date takes in all of that day.
    assert next_due("FREQ=DAILY;UNTIL=20300108")[0] == datetime(2030, 1, 8, 14, 0, tzinfo=UTC)


def test_the_last_years_a_date_can_hold_end_the_rule_quietly() -> None:
    late = task("FREQ=YEARLY", due_at=datetime(9999, 6, 1, tzinfo=UTC))
    assert late.recurrence is not None
    assert _next_due(late, parts_of(late.recurrence), zone("Pacific/Kiritimati")) is None
