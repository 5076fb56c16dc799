"""Domain errors: the core raises these; the HTTP edge maps each to one status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidLink(DomainError):
    """A mailed single-use link that was used, expired, or never made: a 400 whose problem
    type, `invalid_link`, lets a page tell it from other refusals."""

    title = "Invalid link"
    DETAIL = "This link is not valid: it was used, it expired, or it is wrong. Ask for a new one."

    def __init__(self) -> None:
        super().__init__(self.DETAIL, type="invalid_link")


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"


def validation_errors(exc: ValidationError, under: Sequence[str] = ()) -> list[dict[str, Any]]:
    """A validation failure as the `errors` of a problem: where, what, and never the input
    (which may hold a password), each location prefixed with `under`."""
    return [
        {"loc": [*under, *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    """Also what a caller sees for objects that exist but are not theirs."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """At capacity for now: answered at once with Retry-After, so the client (or Knative)
    tries again, elsewhere or later."""

    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class DeliveryFailed(DomainError):
    """Some deliveries failed in a way a later attempt may cure: answered 503, retried."""

    status = 503
    title = "Delivery failed"
