"""Pieces every API model shares.

Every model's validator and serializer is built on its first use (`defer_build`): a function
process uses a few of the models its module defines, and building the rest cost its cold start.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Final, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

MAX_PAGE = 100
DEFAULT_PAGE = 50

# Cursors are base64url without padding; which ones a list gave out no schema can say (an
# unknown one is a 404, like an id that names nothing).
CURSOR_PATTERN: Final = r"^[A-Za-z0-9_-]+$"
Cursor = Annotated[str, Field(max_length=512, pattern=CURSOR_PATTERN)]

# email-validator refuses the special-use domains (RFC 6761) and domains without a dot, which
# `format: email` alone allows.
_SPECIAL_USE = "|".join(
    "".join(f"[{c}{c.upper()}]" for c in name)
    for name in ("arpa", "invalid", "local", "localhost", "onion", "test")
)
Email = Annotated[
    EmailStr,
    Field(
        max_length=320,
        json_schema_extra={
            "pattern": rf"^[^@\s]+@(?!(?:[^@]*\.)?(?:{_SPECIAL_USE})\.?$)[^@\s]+\.[^@\s]+$"
        },
    ),
]


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

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The document offers null only where the server takes it: the clearable fields."""
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name, prop in properties.items():
            if name in cls.clearable or "anyOf" not in prop:
                continue
            options = [o for o in prop.pop("anyOf") if o != {"type": "null"}]
            prop.pop("default", None)
            if len(options) == 1:
                prop.update(options[0])
            else:
                prop["anyOf"] = options
        return schema


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
