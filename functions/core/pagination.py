"""Opaque cursors and keyset predicates: pages never skip or repeat rows, and never OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.errors import NotFound

# A cursor names a page as an id names an object: one this list did not give out names none.
BAD_CURSOR = "no such page: this list gave out no such cursor (or it is for another sort)"

ItemT = TypeVar("ItemT", bound=BaseModel)

# What a cursor value must be to compare with its sort key: a type, or a test of the value.
Kind = type | Callable[[Any], bool]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        if kind == "t" and isinstance(text, str):
            return datetime.fromisoformat(text)
        if kind == "u" and isinstance(text, str):
            return uuid.UUID(text)
    if value is None or isinstance(value, str | int | float):
        return value
    raise ValueError("unexpected cursor value")


def encode_cursor(sort: str, values: Sequence[Any]) -> str:
    """The position after the row whose sort key is `values`, under `sort`."""
    raw = json.dumps([sort, *(_plain(v) for v in values)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def _fits(value: Any, kind: Kind) -> bool:
    if kind is datetime:  # a naive instant cannot be compared with the stored ones
        return isinstance(value, datetime) and value.tzinfo is not None
    if kind is int:
        return type(value) is int  # not a bool
    if isinstance(kind, type):
        return isinstance(value, kind)
    return kind(value)


def decode_cursor(cursor: str, sort: str, kinds: Sequence[Kind]) -> list[Any]:
    """The sort-key values a cursor holds, each of its kind; a 404 for anything else.

    Cursors are not signed: a client may forge one, but only to start a page at another
    position of a list it may read anyway, so the values need only be of the right kinds.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
        if not isinstance(decoded, list) or len(decoded) != len(kinds) + 1 or decoded[0] != sort:
            raise ValueError("shape")
        values = [_typed(v) for v in decoded[1:]]
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError) as exc:
        raise NotFound(BAD_CURSOR) from exc
    if not all(_fits(v, k) for v, k in zip(values, kinds, strict=True)):
        raise NotFound(BAD_CURSOR)
    return values


def after(
    keys: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (all ascending, or all descending).

    Written as (a > x) OR (a = x AND b > y) ..., which both PostgreSQL and SQLite plan
    as a range scan on an index over the same keys. Keys must not be NULL: sort nullable
    columns through an expression that maps NULL to a sentinel.
    """
    clauses: list[ColumnElement[bool]] = []
    for i, (key, value) in enumerate(zip(keys, values, strict=True)):
        equal_before = [k == v for k, v in zip(keys[:i], values[:i], strict=True)]
        step = key < value if descending else key > value
        clauses.append(and_(*equal_before, step))
    return or_(*clauses)


@dataclass(frozen=True)
class ListOrder(Generic[ItemT]):
    """One order a list is paged in: its name (kept in cursors), its SQL keys (the last one
    unique), what kind each key's value is, and how to read those values off an item."""

    name: str
    keys: tuple[ColumnElement[Any], ...]
    kinds: tuple[Kind, ...]
    key_of: Callable[[ItemT], Sequence[Any]]
    descending: bool = False


async def fetch_page(
    conn: AsyncConnection,
    statement: Select[Any],
    order: ListOrder[ItemT],
    model: type[ItemT],
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[ItemT], str | None]:
    """One page of `statement` in `order` after `cursor`, and the cursor of the next page."""
    if cursor is not None:
        position = decode_cursor(cursor, order.name, order.kinds)
        statement = statement.where(after(order.keys, position, order.descending))
    sort = [key.desc() if order.descending else key.asc() for key in order.keys]
    # One row more than asked for says whether there is a next page.
    rows = (await conn.execute(statement.order_by(*sort).limit(limit + 1))).all()
    # Validated from plain dicts: reading a Row attribute by attribute costs several times more.
    items = [model.model_validate(row._asdict()) for row in rows[:limit]]
    next_cursor = encode_cursor(order.name, order.key_of(items[-1])) if len(rows) > limit else None
    return items, next_cursor
