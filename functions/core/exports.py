"""The two export formats, piece by piece: a JSON document written task by task, and a CSV
written row by row, so neither is ever held whole.

JSON: `{"format": "taskflow.project", "version": 1, "exported_at": ..., "project": {...},
"members": [...], "tasks": [...]}`, each part as its model in `models.exports` serialises.
CSV: the header `CSV_COLUMNS`, then a row per task with the same values as text (an empty
cell for null), labels joined by `LABEL_SEPARATOR`, and the comments as a JSON array. A cell
that a spreadsheet would read as a formula starts with an apostrophe (`guard_cell`).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Final

from functions.core.models.exports import ExportedTask, ExportFormat, ExportHeader

MEDIA_TYPES: Final[dict[ExportFormat, str]] = {"json": "application/json", "csv": "text/csv"}
CSV_COLUMNS: Final = (
    "id",
    "parent_id",
    "title",
    "description",
    "status",
    "priority",
    "labels",
    "due_at",
    "due_date",
    "assignee_email",
    "creator_email",
    "created_at",
    "updated_at",
    "completed_at",
    "recurrence",
    "recurrence_basis",
    "comments",
)
LABEL_SEPARATOR: Final = ", "
# The fields of a comment in the CSV's comments cell.
CSV_COMMENT_FIELDS: Final = ("author_email", "body", "created_at")
# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection advice).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD: Final = "'"


def guard_cell(text: str) -> str:
    """`text` as a spreadsheet shows it, never runs it: an apostrophe before a formula."""
    return FORMULA_GUARD + text if text.startswith(FORMULA_STARTS) else text


def json_head(header: ExportHeader) -> bytes:
    """The document up to its first task: the header's object, left open for `tasks`."""
    opened = header.__pydantic_serializer__.to_json(header)[:-1]  # without its closing brace
    return opened + b',"tasks":[\n'


def json_task(task: ExportedTask, *, first: bool) -> bytes:
    """One task of the `tasks` array, a line each."""
    encoded = task.__pydantic_serializer__.to_json(task)
    return encoded if first else b",\n" + encoded


JSON_TAIL: Final = b"\n]}\n"


class CsvRows:
    """The CSV's lines as bytes: one small buffer, reused row after row."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def header(self) -> bytes:
        return self._line(list(CSV_COLUMNS))

    def row(self, task: ExportedTask) -> bytes:
        return self._line([guard_cell(cell) for cell in csv_cells(task)])

    def _line(self, cells: list[str]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue().encode()


def csv_cells(task: ExportedTask) -> list[str]:
    """A task's cells in `CSV_COLUMNS` order, before the formula guard: the JSON's values as
    text, so the two formats say the same."""
    values = task.model_dump(mode="json")
    values["labels"] = LABEL_SEPARATOR.join(task.labels)
    comments = [{name: c[name] for name in CSV_COMMENT_FIELDS} for c in values["comments"]]
    values["comments"] = (
        json.dumps(comments, ensure_ascii=False, separators=(",", ":")) if comments else ""
    )
    return [_text(values[name]) for name in CSV_COLUMNS]


def _text(value: Any) -> str:
    return "" if value is None else str(value)
