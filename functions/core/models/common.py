"""Pieces every API model shares."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

MAX_PAGE = 100
DEFAULT_PAGE = 50


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, never silently dropped or applied."""

    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    """Answers: built from rows, so attribute access is allowed."""

    model_config = ConfigDict(from_attributes=True)


def _clamp_limit(value: Any) -> Any:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value  # let validation explain
    return max(1, min(MAX_PAGE, number))


PageLimit = Annotated[int, BeforeValidator(_clamp_limit)]
