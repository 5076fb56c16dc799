"""Trello's board export (Menu > Print, export and share > Export as JSON).

A board: `name`, `desc`, `lists` [{id, name, closed}], `labels` [{id, name, color}],
`members` [{id, fullName, username}], `cards` [{id, shortLink, name, desc, idList, idLabels,
due, dueComplete, closed, idMembers}], `checklists` [{id, idCard, name, checkItems [{id,
name, state, pos, due}]}] and `actions` (a comment is one of type `commentCard`, its text in
`data.text`, its card in `data.card.id`, its author in `memberCreator`). Trello exports no
e-mail addresses, so no card is assigned.
"""

from __future__ import annotations

from typing import Any, Final

from functions.core.errors import InvalidInput
from functions.core.imports.plan import (
    Plan,
    PlanComment,
    PlanItem,
    instant,
    label_name,
    status_of_column,
    unique,
)

COMMENT: Final = "commentCard"


def is_trello(document: object) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("cards"), list)
        and isinstance(document.get("lists"), list)
    )


def read_trello(board: dict[str, Any]) -> Plan:
    lists = {str(each.get("id")): each for each in _records(board, "lists")}
    labels = {str(each.get("id")): _label(each) for each in _records(board, "labels")}
    members = {str(each.get("id")): _member(each) for each in _records(board, "members")}
    comments = _comments(_records(board, "actions"))
    checklists: dict[str, list[dict[str, Any]]] = {}
    for checklist in _records(board, "checklists"):
        checklists.setdefault(str(checklist.get("idCard")), []).append(checklist)
    items: list[PlanItem] = []
    for card in _records(board, "cards"):
        item = _card(card, lists, labels, members, comments)
        items.append(item)
        items.extend(_check_items(card, item, checklists))
    return Plan(
        source="trello",
        project_name=_text(board.get("name")) or "Trello board",
        project_description=_text(board.get("desc")),
        items=items,
    )


def card_name(card: dict[str, Any]) -> str:
    """How an error names a card: “Fix login” (5f0c…)."""
    name = _text(card.get("name"))[:60]
    return f"card “{name}” ({_short(card)})"


def _short(card: dict[str, Any]) -> str:
    return _text(card.get("shortLink")) or _text(card.get("id")) or "no id"


def _card(
    card: dict[str, Any],
    lists: dict[str, dict[str, Any]],
    labels: dict[str, str],
    members: dict[str, str],
    comments: dict[str, list[PlanComment]],
) -> PlanItem:
    ref = f"card {_short(card)}"
    if not isinstance(card.get("name"), str):
        raise InvalidInput(f"{card_name(card)}: the card has no name")
    item = PlanItem(ref=ref, title=_text(card.get("name")), description=_text(card.get("desc")))
    column = lists.get(str(card.get("idList")))
    column_name = _text(column.get("name")) if column else ""
    status = status_of_column(column_name) if column_name else None
    names = [labels[str(i)] for i in _list(card, "idLabels") if str(i) in labels]
    if column_name and status is None:
        names.append(label_name(column_name))
    item.labels = unique(names)
    item.status = status or "todo"
    if card.get("dueComplete") is True:
        item.status = "done"
    if card.get("closed") is True or (column is not None and column.get("closed") is True):
        item.status = "cancelled"
        item.notes.append("archived in Trello: cancelled")
    due = card.get("due")
    if due is not None:
        item.due_at = instant(due) if isinstance(due, str) else None
        if item.due_at is None:
            raise InvalidInput(f"{card_name(card)}: due “{str(due)[:40]}” is not a date-time")
    if item.status == "done":
        completed = card.get("dateCompleted")
        item.completed_at = instant(completed) if isinstance(completed, str) else None
    assigned = [members.get(str(i), str(i)) for i in _list(card, "idMembers")]
    if assigned:
        item.notes.append(
            f"members in Trello: {', '.join(assigned)}; Trello exports no e-mail addresses: "
            "left unassigned"
        )
    item.comments = comments.get(str(card.get("id")), [])
    return item


def _check_items(
    card: dict[str, Any], parent: PlanItem, checklists: dict[str, list[dict[str, Any]]]
) -> list[PlanItem]:
    """Each item of the card's checklists, a subtask of the card's task."""
    found = sorted(checklists.get(str(card.get("id")), []), key=_position)
    items: list[PlanItem] = []
    for checklist in found:
        name = _text(checklist.get("name"))
        entries = checklist.get("checkItems")
        if not isinstance(entries, list):
            raise InvalidInput(f"{card_name(card)}: checklist “{name[:40]}” has no checkItems")
        for entry in sorted((e for e in entries if isinstance(e, dict)), key=_position):
            item = PlanItem(
                ref=f"{parent.ref} item {_text(entry.get('id'))[-8:] or len(items) + 1}",
                title=_text(entry.get("name")),
                description=f"From the checklist “{name}”." if name else "",
                status="done" if entry.get("state") == "complete" else "todo",
                parent_ref=parent.ref,
            )
            due = entry.get("due")
            if isinstance(due, str):
                item.due_at = instant(due)
            if parent.status == "cancelled" and item.status != "done":
                item.status = "cancelled"
            items.append(item)
    return items


def _comments(actions: list[dict[str, Any]]) -> dict[str, list[PlanComment]]:
    by_card: dict[str, list[PlanComment]] = {}
    for action in actions:
        if action.get("type") != COMMENT:
            continue
        data = action.get("data")
        card = data.get("card") if isinstance(data, dict) else None
        if not isinstance(card, dict) or not isinstance(data, dict):
            continue
        creator = action.get("memberCreator")
        author = _member(creator) if isinstance(creator, dict) else None
        by_card.setdefault(str(card.get("id")), []).append(
            PlanComment(
                author=author,
                body=_text(data.get("text")),
                created_at=instant(action["date"]) if isinstance(action.get("date"), str) else None,
            )
        )
    for found in by_card.values():  # Trello lists actions newest first
        found.sort(key=lambda c: (c.created_at is None, c.created_at))
    return by_card


def _label(label: dict[str, Any]) -> str:
    """A label's name, or its colour when it has none."""
    return label_name(_text(label.get("name")) or _text(label.get("color")) or "label")


def _member(member: dict[str, Any]) -> str:
    full = _text(member.get("fullName"))
    user = _text(member.get("username"))
    return f"{full} (@{user})" if full and user else full or user or "someone"


def _records(board: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = board.get(key, [])
    if not isinstance(found, list):
        raise InvalidInput(f"the board's “{key}” is not a list")
    for index, each in enumerate(found):
        if not isinstance(each, dict):
            raise InvalidInput(f"the board's “{key}” entry {index + 1} is not an object")
    return found


def _list(record: dict[str, Any], key: str) -> list[Any]:
    found = record.get(key)
    return found if isinstance(found, list) else []


def _position(record: dict[str, Any]) -> float:
    pos = record.get("pos")
    return float(pos) if isinstance(pos, int | float) else 0.0


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
