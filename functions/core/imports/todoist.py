"""Todoist's CSV export ("Export as a template" of a project).

Columns, as Todoist's help ("Format a CSV file to import into Todoist") gives them: TYPE
(task, section or note), CONTENT (a task's name with its @labels; a section's name; a note's
text), DESCRIPTION, PRIORITY (1 = p1, the highest, ... 4 = p4, the lowest; empty = p1),
INDENT (1 a task, 2 its subtask, ...), AUTHOR and RESPONSIBLE ("Name (id)"), DATE (the due
date, often in words), DATE_LANG, TIMEZONE; newer exports add more columns, ignored here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from events.vocabulary import Priority
from functions.core.errors import InvalidInput
from functions.core.imports.plan import (
    Plan,
    PlanComment,
    PlanItem,
    email_in,
    instant,
    label_name,
    status_of_column,
    unique,
)

HEADER_START: Final = ("TYPE", "CONTENT")
PRIORITIES: Final[dict[str, Priority]] = {
    "1": "urgent",
    "2": "high",
    "3": "medium",
    "4": "low",
    "": "urgent",  # Todoist reads an empty cell as p1
}
_LABEL: Final = re.compile(r"(?<!\S)@([^\s@]+)")
_PERSON: Final = re.compile(r"^\s*(.*?)\s*\(\s*\d+\s*\)\s*$")
_DAY_FORMATS: Final = ("%Y-%m-%d", "%Y/%m/%d", "%d %b %Y", "%b %d %Y", "%d %B %Y", "%B %d %Y")
_TIME_FORMATS: Final = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
CellReader = Callable[[str], str]


def is_todoist(header: list[str]) -> bool:
    return tuple(cell.strip().upper() for cell in header[:2]) == HEADER_START


def read_todoist(text: str, filename_stem: str) -> Plan:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().upper() for cell in next(reader)]
    column = {name: index for index, name in enumerate(header) if name}
    items: list[PlanItem] = []
    # The latest task at each indent (1-based), for the subtasks below it.
    open_tasks: list[PlanItem] = []
    section: str | None = None
    line = reader.line_num + 1
    for row in reader:
        ref = f"line {line}"
        line = reader.line_num + 1

        def cell(name: str, row: list[str] = row) -> str:
            index = column.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        kind = cell("TYPE").lower()
        if not any(value.strip() for value in row) or kind == "meta":
            continue  # the blank lines between tasks, and the view's settings
        if kind == "section":
            section = cell("CONTENT")
            open_tasks = []
        elif kind == "note":
            if not open_tasks:  # none yet, or a section between
                raise InvalidInput(f"{ref}: a note with no task above it")
            items[-1].comments.append(
                PlanComment(
                    author=_person(cell("AUTHOR")),
                    body=cell("CONTENT"),
                    created_at=_note_time(cell("DATE")),
                )
            )
        elif kind == "task":
            item = _task(ref, cell, section)
            _place(item, ref, cell("INDENT"), open_tasks)
            items.append(item)
        else:
            raise InvalidInput(f"{ref}: TYPE “{cell('TYPE')[:40]}” is not task, section or note")
    return Plan(source="todoist", project_name=filename_stem, items=items)


def _task(ref: str, cell: CellReader, section: str | None) -> PlanItem:
    content = cell("CONTENT")
    labels = [label_name(found) for found in _LABEL.findall(content)]
    title = " ".join(_LABEL.sub("", content).split())
    priority = cell("PRIORITY")
    if priority not in PRIORITIES:
        raise InvalidInput(f"{ref}: PRIORITY “{priority[:20]}” is not 1, 2, 3 or 4")
    item = PlanItem(
        ref=ref, title=title, description=cell("DESCRIPTION"), priority=PRIORITIES[priority]
    )
    if section:
        status = status_of_column(section)
        if status is None:
            labels.append(label_name(section))
        else:
            item.status = status
    item.labels = unique(labels)
    _due(item, cell("DATE"), cell("TIMEZONE"))
    responsible = cell("RESPONSIBLE")
    if responsible:
        item.assignee_email = email_in(responsible)
        if item.assignee_email is None:
            item.notes.append(
                f"assigned to {_person(responsible)} in Todoist, whose export has no e-mail "
                "addresses: left unassigned"
            )
    return item


def _place(item: PlanItem, ref: str, indent_text: str, open_tasks: list[PlanItem]) -> None:
    """Make `item` a subtask of the latest task one level up (INDENT 2 under an INDENT 1)."""
    try:
        indent = int(indent_text or "1")
    except ValueError:
        raise InvalidInput(f"{ref}: INDENT “{indent_text[:20]}” is not a number") from None
    if indent < 1:
        raise InvalidInput(f"{ref}: INDENT {indent} is below 1")
    if indent > len(open_tasks) + 1:
        if open_tasks:
            item.notes.append(f"INDENT {indent} skips a level: placed one level deeper")
        else:
            item.notes.append(f"INDENT {indent} with no task above it: a task of its own")
        indent = len(open_tasks) + 1
    del open_tasks[indent - 1 :]
    if open_tasks:
        item.parent_ref = open_tasks[-1].ref
    open_tasks.append(item)


def _due(item: PlanItem, text: str, time_zone: str) -> None:
    """An ISO-like date becomes the due date (an instant when it has a time); words such as
    "every monday" are kept in the description."""
    if not text:
        return
    at = instant(text)
    if at is not None:
        item.due_at = at
        return
    for fmt in _TIME_FORMATS:
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        item.due_at = local.replace(tzinfo=_zone(time_zone)).astimezone(ZoneInfo("UTC"))
        return
    for fmt in _DAY_FORMATS:
        try:
            item.due_date = datetime.strptime(text, fmt).date()
            return
        except ValueError:
            continue
    item.description = (item.description + "\n\n" if item.description else "") + (
        f"Due (from Todoist): {text}"
    )
    item.notes.append(f"the due date “{text[:60]}” is not a date: kept in the description")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _note_time(text: str) -> datetime | None:
    return instant(text) if text else None


def _person(text: str) -> str | None:
    """ "Evan (14781400)" is Evan."""
    if not text:
        return None
    found = _PERSON.match(text)
    return (found.group(1) if found else text) or None
