"""Times in notices read in the reader's own zone, in words that do not depend on the locale."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from functions.core.services import wording

NOON_UTC = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Lisbon", "Fri 4 Dec 2026, 12:00 (Europe/Lisbon)"),
        ("America/Sao_Paulo", "Fri 4 Dec 2026, 09:00 (America/Sao_Paulo)"),
        ("Asia/Kolkata", "Fri 4 Dec 2026, 17:30 (Asia/Kolkata)"),
        ("Pacific/Kiritimati", "Sat 5 Dec 2026, 02:00 (Pacific/Kiritimati)"),
        (None, "Fri 4 Dec 2026, 12:00 (UTC)"),
        ("Not/A_Zone", "Fri 4 Dec 2026, 12:00 (UTC)"),
    ],
)
def test_an_instant_reads_as_the_readers_clock_shows_it(zone: str | None, expected: str) -> None:
    assert wording.instant_in(NOON_UTC, zone) == expected


def test_summer_time_is_the_zones_own() -> None:
    july = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert wording.instant_in(july, "Europe/Lisbon") == "Wed 1 Jul 2026, 13:00 (Europe/Lisbon)"


@pytest.mark.parametrize(
    ("due_date", "zone", "expected"),
    [
        (date(2026, 12, 4), "Europe/Lisbon", "today, Fri 4 Dec"),
        (date(2026, 12, 5), "Europe/Lisbon", "tomorrow, Sat 5 Dec"),
        # Already Saturday in Auckland: the 5th is today there.
        (date(2026, 12, 5), "Pacific/Auckland", "today, Sat 5 Dec"),
        (date(2026, 12, 9), None, "Wed 9 Dec"),
        (date(2027, 1, 2), "Europe/Lisbon", "Sat 2 Jan 2027"),
    ],
)
def test_an_all_day_date_is_today_or_tomorrow_from_where_the_reader_is(
    due_date: date, zone: str | None, expected: str
) -> None:
    assert wording.all_day(due_date, zone, NOON_UTC) == expected


def test_a_due_soon_message_names_the_task_and_when() -> None:
    timed = wording.due_soon_message("Ship it", NOON_UTC, None, "Europe/Lisbon", NOON_UTC)
    assert timed == "“Ship it” is due Fri 4 Dec 2026, 12:00 (Europe/Lisbon)"
    all_day = wording.due_soon_message("Ship it", NOON_UTC, date(2026, 12, 5), None, NOON_UTC)
    assert all_day == "“Ship it” is due tomorrow, Sat 5 Dec"


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # A sweep a few seconds late still says five minutes.
        (datetime(2026, 12, 4, 11, 55, 2, tzinfo=UTC), "Asia/Tokyo", "is due in 5 minutes"),
        (datetime(2026, 12, 4, 11, 59, 30, tzinfo=UTC), None, "is due in 1 minute"),
        (datetime(2026, 12, 4, 11, 0, 1, tzinfo=UTC), None, "is due in 1 hour"),
        (NOON_UTC, None, "is due now"),
        # Further off: the reader's clock.
        (datetime(2026, 12, 3, 12, 0, tzinfo=UTC), "Asia/Kolkata", "is due Fri 4 Dec, 17:30"),
        (datetime(2026, 12, 4, 12, 1, tzinfo=UTC), "Europe/Lisbon", "was due Fri 4 Dec, 12:00"),
    ],
)
def test_a_reminder_says_how_soon_the_task_is_due(
    now: datetime, zone: str | None, expected: str
) -> None:
    message = wording.reminder_message("Ship it", NOON_UTC, None, zone, now)
    assert message == f"Reminder: “Ship it” {expected}"


def test_a_reminder_of_an_all_day_task_names_its_day_and_of_an_undated_one_the_task_alone() -> None:
    end_of_day = datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC)
    day = wording.reminder_message("Ship it", end_of_day, date(2026, 12, 5), None, NOON_UTC)
    assert day == "Reminder: “Ship it” is due tomorrow, Sat 5 Dec"
    assert wording.reminder_message("Ship it", None, None, None, NOON_UTC) == "Reminder: “Ship it”"
