"""Pieces every API model shares.

Every model's validator and serializer is built on its first use (`defer_build`): a function
process uses a few of the models its module defines, and building the rest cost its cold start.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

MAX_PAGE = 100
DEFAULT_PAGE = 50


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, never silently dropped or applied."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class Patch(Strict):
    """A partial update: only the fields sent change.

    Fields named in `clearable` may be sent as null to clear them; a null for any other
    field is refused (422) rather than read as "unchanged" or written as NULL.
    """

    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Self:
        nulls = sorted(
            name for name in self.model_fields_set - self.clearable if getattr(self, name) is None
        )
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave it out to keep it")
        return self


class Public(BaseModel):
    """Answers: built from rows, so attribute access is allowed."""

    model_config = ConfigDict(from_attributes=True, defer_build=True)


def _clamp_limit(value: Any) -> Any:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value  # let validation explain
    return max(1, min(MAX_PAGE, number))


PageLimit = Annotated[int, BeforeValidator(_clamp_limit)]
