"""Which kind of file it is, read into a plan: Trello's board JSON, TaskFlow's export (JSON or
CSV) or Todoist's CSV, told apart by their content."""

from __future__ import annotations

import csv
import io
import json
from pathlib import PurePosixPath

from functions.core.errors import InvalidInput
from functions.core.imports.plan import Plan
from functions.core.imports.taskflow import (
    is_taskflow_csv,
    is_taskflow_json,
    read_taskflow_csv,
    read_taskflow_json,
)
from functions.core.imports.todoist import is_todoist, read_todoist
from functions.core.imports.trello import is_trello, read_trello

NUL = b"\x00"
NEWLINE = b"\n"
WHAT_IS_TAKEN = (
    "a Todoist CSV export, a Trello board JSON export, or a TaskFlow export (JSON or CSV)"
)


def read_plan(filename: str, content: bytes, max_items: int) -> Plan:
    """The plan of the file; InvalidInput (a 422) naming the line or card that is wrong."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{_line_of(content, exc.start)}: the file is not UTF-8 text; send {WHAT_IS_TAKEN}"
        ) from None
    if "\x00" in text:
        where = _line_of(content, content.find(NUL))
        raise InvalidInput(f"{where}: the file holds the NUL character")
    stem = PurePosixPath(filename.replace("\\", "/")).stem or "Imported project"
    plan = _read_json(text) if text.lstrip().startswith(("{", "[")) else _read_csv(text, stem)
    if not plan.items:
        raise InvalidInput("the file holds no tasks")
    if len(plan.items) > max_items:
        raise InvalidInput(
            f"the file holds {len(plan.items)} tasks; at most {max_items} are imported at once"
        )
    return plan


def _read_json(text: str) -> Plan:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InvalidInput("the JSON is nested too deeply") from None
    if is_taskflow_json(document):
        return read_taskflow_json(document)
    if is_trello(document):
        return read_trello(document)
    raise InvalidInput(
        f"this JSON is neither a Trello board nor a TaskFlow export; send {WHAT_IS_TAKEN}"
    )


def _read_csv(text: str, stem: str) -> Plan:
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
        if is_taskflow_csv(header):
            return read_taskflow_csv(text, stem)
        if is_todoist(header):
            return read_todoist(text, stem)
    except csv.Error as exc:
        raise InvalidInput(f"the CSV cannot be read ({exc})") from None
    raise InvalidInput(
        f"line 1: the header is neither Todoist's (TYPE,CONTENT,…) nor TaskFlow's; "
        f"send {WHAT_IS_TAKEN}"
    )


def _line_of(content: bytes, offset: int) -> str:
    return f"line {content.count(NEWLINE, 0, max(offset, 0)) + 1}"
