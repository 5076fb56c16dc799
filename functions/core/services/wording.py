"""How times read in notices and e-mails: in the reader's own time zone, in plain English.

Written the same way whatever the machine's locale (no strftime names): "Fri 5 Dec 2026, 14:00
(Europe/Lisbon)" for an instant, "today, Fri 5 Dec" for an all-day due date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from functions.core.time_zones import is_time_zone, zone

DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_label(zone_name: str | None) -> str:
    """The zone as a reader chose it, or UTC for one who chose none."""
    return zone_name if zone_name and is_time_zone(zone_name) else "UTC"


def day(value: date, *, year: bool = True) -> str:
    """`Fri 5 Dec 2026` (without the year: `Fri 5 Dec`)."""
    words = f"{DAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]}"
    return f"{words} {value.year}" if year else words


def clock(instant: datetime, zone_name: str | None) -> str:
    """`14:00`, in the reader's zone."""
    return f"{instant.astimezone(zone(zone_name)):%H:%M}"


def day_and_clock(instant: datetime, zone_name: str | None) -> str:
    """`Sat 5 Dec, 14:02` on the reader's clock (where the zone is named once, elsewhere)."""
    local = instant.astimezone(zone(zone_name))
    return f"{day(local.date(), year=False)}, {local:%H:%M}"


def instant_in(instant: datetime, zone_name: str | None) -> str:
    """`Fri 5 Dec 2026, 14:00 (Europe/Lisbon)`: an instant as the reader's clock shows it."""
    local = instant.astimezone(zone(zone_name))
    return f"{day(local.date())}, {local:%H:%M} ({zone_label(zone_name)})"


def all_day(due_date: date, zone_name: str | None, now: datetime) -> str:
    """An all-day date seen from `now` in the reader's zone: `today, Fri 5 Dec`,
    `tomorrow, Sat 6 Dec`, or the day alone (with its year when it is not this one)."""
    today = now.astimezone(zone(zone_name)).date()
    shown = day(due_date, year=due_date.year != today.year)
    if due_date == today:
        return f"today, {shown}"
    if due_date == today + timedelta(days=1):
        return f"tomorrow, {shown}"
    return shown


def due(due_at: datetime, due_date: date | None, zone_name: str | None, now: datetime) -> str:
    """When a task is due, for one reader: its day for an all-day task, else its instant."""
    if due_date is not None:
        return all_day(due_date, zone_name, now)
    return instant_in(due_at, zone_name)


def due_soon_message(
    title: str, due_at: datetime, due_date: date | None, zone_name: str | None, now: datetime
) -> str:
    """“Ship it” is due Fri 5 Dec 2026, 14:00 (Europe/Lisbon) / is due tomorrow, Sat 6 Dec."""
    return f"“{title}” is due {due(due_at, due_date, zone_name, now)}"


def reminder_message(
    title: str, due_at: datetime | None, due_date: date | None, zone_name: str | None, now: datetime
) -> str:
    """Reminder: “Ship it” is due in 5 minutes / is due Sat 5 Dec, 14:00 / is due tomorrow,
    Sat 6 Dec / was due Fri 4 Dec, 14:00; a task with no due date is named alone."""
    named = f"Reminder: “{title}”"
    if due_at is None:
        return named
    if due_date is not None:
        verb = "was" if due_at < now else "is"
        return f"{named} {verb} due {all_day(due_date, zone_name, now)}"
    if due_at < now:
        return f"{named} was due {day_and_clock(due_at, zone_name)}"
    # Whole minutes, rounded up: a sweep a few seconds late still says "in 5 minutes".
    minutes = -(-(due_at - now) // timedelta(minutes=1))
    if minutes == 0:
        return f"{named} is due now"
    if minutes < 60:
        return f"{named} is due in {minutes} minute{'s' if minutes != 1 else ''}"
    if minutes == 60:
        return f"{named} is due in 1 hour"
    return f"{named} is due {day_and_clock(due_at, zone_name)}"
