"""Cursors and keyset predicates: round trips, refusals, and pages that cover every row once."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import sqlite

from functions.core.errors import NotFound
from functions.core.pagination import after, decode_cursor, encode_cursor
from functions.core.queries.tasks import SORT_KEYS

WHEN = datetime(2030, 5, 4, 12, 30, 15, 123456, tzinfo=UTC)
ID = uuid.UUID("6f1c1c3e-4d1a-4e7b-9b0e-2f1d3c4b5a69")


@pytest.mark.parametrize(
    "values",
    [
        [WHEN, ID],
        [datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=-5))), ID],
        [3, ID],
        [None, "text", 1.5],
    ],
)
def test_a_cursor_gives_back_the_values_it_was_made_from(values: list[Any]) -> None:
    cursor = encode_cursor("created", values)
    assert decode_cursor(cursor, "created", [type(v) for v in values]) == values


def test_a_cursor_is_url_safe_text() -> None:
    cursor = encode_cursor("-created", [WHEN, ID])
    assert cursor.isascii()
    assert not set(cursor) & set("+/=&?# ")


@pytest.mark.parametrize(
    ("cursor", "sort", "arity"),
    [
        (encode_cursor("created", [WHEN, ID]), "-created", 2),  # made for another sort
        (encode_cursor("created", [WHEN, ID]), "created", 3),
        (encode_cursor("created", [WHEN]), "created", 2),
        ("not base64 at all!", "created", 2),
        (base64.urlsafe_b64encode(b"not json").decode(), "created", 2),
        (base64.urlsafe_b64encode(b'{"sort": "created"}').decode(), "created", 2),
        (base64.urlsafe_b64encode(b'["created", [1], 2]').decode(), "created", 2),
        (base64.urlsafe_b64encode(b'["created", {"t": "never"}, 2]').decode(), "created", 2),
        (base64.urlsafe_b64encode(b'["created", {"u": "nope"}, 2]').decode(), "created", 2),
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "created", 2),
        ("", "created", 2),
    ],
)
def test_a_cursor_this_list_did_not_give_out_names_no_page(
    cursor: str, sort: str, arity: int
) -> None:
    kinds = [datetime, uuid.UUID, int][:arity]
    with pytest.raises(NotFound):
        decode_cursor(cursor, sort, kinds)


def _sql(clause: Any) -> str:
    return str(clause.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


_t = Table("t", MetaData(), Column("a", Integer), Column("b", Integer))


def test_after_reads_as_a_lexicographic_comparison() -> None:
    assert _sql(after((_t.c.a, _t.c.b), (1, 2), descending=False)) == (
        "t.a > 1 OR t.a = 1 AND t.b > 2"
    )
    assert _sql(after((_t.c.a, _t.c.b), (1, 2), descending=True)) == (
        "t.a < 1 OR t.a = 1 AND t.b < 2"
    )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.integers(min_value=0, max_value=4), min_size=0, max_size=30),
    page=st.integers(min_value=1, max_value=6),
    descending=st.booleans(),
)
def test_keyset_pages_cover_every_row_exactly_once(
    rows: list[int], page: int, descending: bool
) -> None:
    # Few distinct sort values, so most rows tie and only the id keeps the order total.
    table = Table("rows", MetaData(), Column("id", Integer, primary_key=True), Column("k", Integer))
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        table.create(conn)
        if rows:
            conn.execute(insert(table), [{"id": i, "k": k} for i, k in enumerate(rows)])
        keys = (table.c.k, table.c.id)
        order = [key.desc() if descending else key.asc() for key in keys]
        seen: list[int] = []
        position: tuple[int, int] | None = None
        while True:
            statement = select(table.c.k, table.c.id).order_by(*order).limit(page)
            if position is not None:
                statement = statement.where(after(keys, position, descending))
            fetched = conn.execute(statement).all()
            if not fetched:
                break
            seen += [row.id for row in fetched]
            position = (fetched[-1].k, fetched[-1].id)
    engine.dispose()
    expected = sorted(range(len(rows)), key=lambda i: (rows[i], i), reverse=descending)
    assert seen == expected


@pytest.mark.parametrize("sort", ["created", "updated", "due"])
def test_a_task_cursor_holds_an_aware_instant_and_an_id(sort: str) -> None:
    kinds = (SORT_KEYS[sort].kind, uuid.UUID)
    assert decode_cursor(encode_cursor(sort, [WHEN, ID]), sort, kinds) == [WHEN, ID]
    for bad in ([WHEN.replace(tzinfo=None), ID], ["yesterday", ID], [WHEN, str(ID)], [3, ID]):
        with pytest.raises(NotFound):
            decode_cursor(encode_cursor(sort, bad), sort, kinds)


def test_a_priority_cursor_holds_one_of_the_four_ranks() -> None:
    kinds = (SORT_KEYS["priority"].kind, uuid.UUID)
    assert decode_cursor(encode_cursor("priority", [3, ID]), "priority", kinds) == [3, ID]
    for bad in (4, -1, True, 10**30, 1.0, "high", None):
        with pytest.raises(NotFound):
            decode_cursor(encode_cursor("priority", [bad, ID]), "priority", kinds)
