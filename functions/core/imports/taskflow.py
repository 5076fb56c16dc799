"""TaskFlow's own project export, as JSON ("format": "taskflow.project", version 1) or CSV
(one row per task, the header below), read back into a plan: every field the export holds
but ids, which are made anew (a subtask's parent is found by its exported id); and the JSON's
members, by e-mail address and role."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any, Final, get_args

from events.vocabulary import Priority, RecurrenceBasis, Role, Status
from functions.core.errors import InvalidInput
from functions.core.exports import CSV_COLUMNS, FORMULA_GUARD, FORMULA_STARTS
from functions.core.imports.plan import (
    Plan,
    PlanComment,
    PlanItem,
    PlanMember,
    email_in,
    instant,
    parents_first,
)
from functions.core.models.exports import FORMAT, VERSION

# The export's own header, guard and name (functions.core.exports): what it writes, this reads.
CSV_HEADER: Final = list(CSV_COLUMNS)
_STATUSES: Final = get_args(Status)
_PRIORITIES: Final = get_args(Priority)
_BASES: Final = get_args(RecurrenceBasis)
_ROLES: Final = get_args(Role)


def is_taskflow_json(document: object) -> bool:
    return isinstance(document, dict) and document.get("format") == FORMAT


def is_taskflow_csv(header: list[str]) -> bool:
    return [cell.strip() for cell in header] == CSV_HEADER


def read_taskflow_json(document: dict[str, Any]) -> Plan:
    if document.get("version") != VERSION:
        raise InvalidInput(f"version {str(document.get('version'))[:20]} of {FORMAT} is not known")
    project = document.get("project")
    tasks = document.get("tasks")
    if not isinstance(project, dict) or not isinstance(tasks, list):
        raise InvalidInput("the export has no “project” object or no “tasks” list")
    ids: dict[str, str] = {}
    rows: list[tuple[str, dict[str, Any]]] = []
    for number, task in enumerate(tasks, start=1):
        ref = f"task {number}"
        if not isinstance(task, dict):
            raise InvalidInput(f"{ref}: not an object")
        if task.get("id") is not None:
            ids[str(task["id"])] = ref
        rows.append((ref, task))
    items = [_item(ref, task.get, ids) for ref, task in rows]
    return Plan(
        source="taskflow",
        project_name=_text(project.get("name")) or "Imported project",
        project_description=_text(project.get("description")),
        items=parents_first(items),
        members=_members(document.get("members")),
    )


def read_taskflow_csv(text: str, filename_stem: str) -> Plan:
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    ids: dict[str, str] = {}
    rows: list[tuple[str, dict[str, Any]]] = []
    line = reader.line_num + 1
    for row in reader:
        ref = f"line {line}"
        line = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_HEADER):
            raise InvalidInput(f"{ref}: {len(row)} cells where the header has {len(CSV_HEADER)}")
        values: dict[str, Any] = {
            name: _unguarded(cell) for name, cell in zip(CSV_HEADER, row, strict=True)
        }
        values["labels"] = [label for label in values["labels"].split(", ") if label.strip()]
        values["comments"] = _comments_cell(ref, values["comments"])
        for name in ("parent_id", "due_at", "due_date", "assignee_email", "completed_at"):
            values[name] = values[name] or None
        for name in ("recurrence", "recurrence_basis"):
            values[name] = values[name] or None
        if values["id"]:
            ids[values["id"]] = ref
        rows.append((ref, values))
    items = [_item(ref, values.get, ids) for ref, values in rows]
    return Plan(source="taskflow", project_name=filename_stem, items=parents_first(items))


def _item(ref: str, get: Callable[[str], Any], ids: dict[str, str]) -> PlanItem:
    title = _text(get("title"))
    where = f"{ref} (“{title[:60]}”)"
    status = get("status") or "todo"
    if status not in _STATUSES:
        raise InvalidInput(f"{where}: status “{str(status)[:20]}” is not one of {_STATUSES}")
    priority = get("priority") or "medium"
    if priority not in _PRIORITIES:
        raise InvalidInput(f"{where}: priority “{str(priority)[:20]}” is not one of {_PRIORITIES}")
    labels = get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise InvalidInput(f"{where}: labels is not a list of names")
    item = PlanItem(
        ref=ref,
        title=title,
        description=_text(get("description")),
        status=status,
        priority=priority,
        labels=labels,
        assignee_email=email_in(_text(get("assignee_email"))),
        recurrence=_text(get("recurrence")) or None,
    )
    for name in ("due_at", "completed_at"):
        value = get(name)
        if value is not None:
            parsed = instant(value) if isinstance(value, str) else None
            if parsed is None:
                raise InvalidInput(f"{where}: {name} “{str(value)[:40]}” is not a date-time")
            setattr(item, name, parsed)
    due_date = get("due_date")
    if due_date is not None:
        try:
            item.due_date = date.fromisoformat(str(due_date))
        except ValueError:
            raise InvalidInput(f"{where}: due_date “{str(due_date)[:40]}” is not a day") from None
        item.due_at = None  # the end of that day, in the importer's time zone
    basis = get("recurrence_basis")
    if basis is not None:
        if basis not in _BASES:
            raise InvalidInput(f"{where}: recurrence_basis “{str(basis)[:20]}” is not known")
        item.recurrence_basis = basis
    parent = get("parent_id")
    if parent is not None:
        item.parent_ref = ids.get(str(parent), f"id {str(parent)[:40]}")
    item.comments = _comments(where, get("comments") or [])
    return item


def _members(found: object) -> list[PlanMember]:
    """The export's `members` (none when left out), each with an e-mail address and a role."""
    if found is None:
        return []
    if not isinstance(found, list):
        raise InvalidInput("the export's “members” is not a list")
    members: list[PlanMember] = []
    for number, member in enumerate(found, start=1):
        if not isinstance(member, dict) or (email := email_in(_text(member.get("email")))) is None:
            raise InvalidInput(f"member {number}: no e-mail address")
        role = member.get("role")
        if role not in _ROLES:
            raise InvalidInput(
                f"member {number} ({email}): role “{str(role)[:20]}” is not one of {_ROLES}"
            )
        members.append(PlanMember(email=email, role=role))
    return members


def _comments(where: str, found: object) -> list[PlanComment]:
    if not isinstance(found, list):
        raise InvalidInput(f"{where}: comments is not a list")
    comments: list[PlanComment] = []
    for number, comment in enumerate(found, start=1):
        if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
            raise InvalidInput(f"{where}: comment {number} has no body")
        created = comment.get("created_at")
        comments.append(
            PlanComment(
                author=_text(comment.get("author_email")) or None,
                body=comment["body"],
                created_at=instant(created) if isinstance(created, str) else None,
            )
        )
    return comments


def _comments_cell(ref: str, cell: str) -> list[Any]:
    if not cell.strip():
        return []
    try:
        found = json.loads(cell)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{ref}: the comments cell is not JSON ({exc.msg})") from None
    if not isinstance(found, list):
        raise InvalidInput(f"{ref}: the comments cell is not a JSON array")
    return found


def _unguarded(cell: str) -> str:
    """The export's cell as it was: one apostrophe before = + - @ TAB or CR is taken off."""
    guarded = cell.startswith(FORMULA_GUARD) and cell[1:].startswith(FORMULA_STARTS)
    return cell[1:] if guarded else cell


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
