"""Keyset positions in a form an index scan can start from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_

from functions.core.pagination import after


def past(
    keys: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys`: pagination.after, plus a bound on
    the first key alone. PostgreSQL cannot start an index scan from after's OR of conditions;
    with the bound it starts at the position, and `after` only steps over the rows that tie
    with its first key. Without it, each later page would read every row before it again."""
    start = keys[0] <= values[0] if descending else keys[0] >= values[0]
    return and_(start, after(keys, values, descending))
