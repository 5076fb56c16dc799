"""The normalised plan of an import: a project and its items, in the file's order, whatever
the source. Stored as JSON on the import's row and run by `run_import`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Final, Literal

from pydantic import BaseModel, Field

from events.vocabulary import Priority, RecurrenceBasis, Role, Status

Source = Literal["todoist", "trello", "taskflow"]

# A cell, a name or a text from a file: kept whole in the plan, checked when it is created.
_EMAIL: Final = re.compile(r"[^@\s()<>,;]+@[^@\s()<>,;]+\.[^@\s()<>,;]+")


class PlanComment(BaseModel):
    """A comment as the file has it: its author's e-mail address or name (None: unknown)."""

    author: str | None = None
    body: str
    created_at: datetime | None = None


class PlanItem(BaseModel):
    """One task of the file; `ref` says where it is ("line 12", "card 5f0c…", "task 3")."""

    ref: str
    title: str
    description: str = ""
    status: Status = "todo"
    priority: Priority = "medium"
    labels: list[str] = Field(default_factory=list)
    due_at: datetime | None = None
    due_date: date | None = None
    assignee_email: str | None = None
    completed_at: datetime | None = None
    recurrence: str | None = None
    recurrence_basis: RecurrenceBasis | None = None
    comments: list[PlanComment] = Field(default_factory=list)
    # A subtask: the ref of its parent, an earlier item.
    parent_ref: str | None = None
    # What the reader changed or left out, for the item's result ("the due date … was kept
    # in the description").
    notes: list[str] = Field(default_factory=list)


class PlanMember(BaseModel):
    """A member of the exported project (a TaskFlow JSON export lists them): their e-mail
    address (lower case) and their role there."""

    email: str
    role: Role


class Plan(BaseModel):
    source: Source
    project_name: str
    project_description: str = ""
    items: list[PlanItem]
    # The people the file lists as the project's members, with their roles (TaskFlow's JSON
    # export only; empty in a plan stored before it was kept).
    members: list[PlanMember] = Field(default_factory=list)


def email_in(text: str | None) -> str | None:
    """The e-mail address a cell holds ("Ana <ana@example.com>", "ana@example.com"), if any."""
    if not text:
        return None
    found = _EMAIL.search(text)
    return found.group(0).lower() if found else None


def label_name(text: str) -> str:
    """A label as TaskFlow keeps it: lower case, at most 50 characters."""
    return " ".join(text.split()).lower()[:50]


def unique(labels: list[str]) -> list[str]:
    return list(dict.fromkeys(label for label in labels if label))


def instant(text: str) -> datetime | None:
    """An ISO 8601 date-time with its offset ("2026-12-24T10:00:00Z"), in UTC; else None."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def parents_first(items: list[PlanItem]) -> list[PlanItem]:
    """The items in their order, except that a subtask listed before its parent follows it;
    a parent that is missing or part of a cycle is dropped (with a note)."""
    refs = {item.ref for item in items}
    placed: set[str] = set()
    ordered: list[PlanItem] = []
    waiting = list(items)
    while waiting:
        still: list[PlanItem] = []
        for item in waiting:
            if item.parent_ref is None or item.parent_ref in placed:
                ordered.append(item)
                placed.add(item.ref)
            elif item.parent_ref not in refs:
                item.notes.append(f"its parent ({item.parent_ref}) is not in the file")
                item.parent_ref = None
                ordered.append(item)
                placed.add(item.ref)
            else:
                still.append(item)
        if len(still) == len(waiting):  # a cycle: the first one waiting stands on its own
            first = still.pop(0)
            first.notes.append(f"its parent ({first.parent_ref}) is its own subtask")
            first.parent_ref = None
            ordered.append(first)
            placed.add(first.ref)
        waiting = still
    return ordered


def within_depth(items: list[PlanItem], max_depth: int) -> list[PlanItem]:
    """Subtasks nested deeper than `max_depth` levels go under their deepest ancestor that
    may still have subtasks (parents come first)."""
    depth: dict[str, int] = {}
    parent_of: dict[str, str | None] = {}
    for item in items:
        parent = item.parent_ref
        if parent is not None and depth.get(parent, 1) >= max_depth:
            while parent is not None and depth.get(parent, 1) >= max_depth:
                parent = parent_of.get(parent)
            item.notes.append(
                f"nested deeper than {max_depth} levels: placed under {parent}"
                if parent
                else f"nested deeper than {max_depth} levels: a task of its own"
            )
            item.parent_ref = parent
        parent_of[item.ref] = item.parent_ref
        depth[item.ref] = 1 if item.parent_ref is None else depth.get(item.parent_ref, 1) + 1
    return items


_DONE: Final = re.compile(r"\b(done|complete|completed|finished|closed|shipped)\b", re.I)
_DOING: Final = re.compile(r"\b(doing|in[ -]?progress|started|wip|active)\b", re.I)
_REVIEW: Final = re.compile(r"\b(review|reviewing|testing|qa)\b", re.I)
_TODO: Final = re.compile(r"^\s*(to[ -]?do|todo)\s*$", re.I)


def status_of_column(name: str) -> Status | None:
    """The status a Trello list or Todoist section stands for by its name ("Done",
    "In progress", "Review"; "To do" is todo), or None when its name names no status."""
    if _DONE.search(name):
        return "done"
    if _DOING.search(name):
        return "in_progress"
    if _REVIEW.search(name):
        return "review"
    if _TODO.match(name):
        return "todo"
    return None
