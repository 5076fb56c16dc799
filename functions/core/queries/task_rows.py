"""A task as it is selected (TaskPublic's columns, in its field order), and such rows as answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from pydantic import TypeAdapter
from sqlalchemy import Row

from functions.core.models.tasks import TaskPublic
from functions.core.tables import tasks

# Selected in TaskPublic's field order, so a row validates straight into the answer.
TASK_FIELDS: Final = tuple(TaskPublic.model_fields)
TASK_COLUMNS: Final = tuple(tasks.c[name] for name in TASK_FIELDS)
_TASK_LIST: Final = TypeAdapter(list[TaskPublic])


def task_from_row(row: Row[Any] | tuple[Any, ...]) -> TaskPublic:
    """A row of TASK_COLUMNS as the answer.

    Validated from a plain dict: pydantic reading a Row attribute by attribute costs several
    times the validation itself.
    """
    return TaskPublic.model_validate(dict(zip(TASK_FIELDS, row, strict=True)))


def tasks_from_rows(rows: Sequence[Row[Any]]) -> list[TaskPublic]:
    """Rows of TASK_COLUMNS as answers, validated in one call."""
    return _TASK_LIST.validate_python([dict(zip(TASK_FIELDS, row, strict=True)) for row in rows])
