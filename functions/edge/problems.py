"""Problems: every error an edge answers, as one RFC 9457 `application/problem+json` body.

One mapping from exception to response serves endpoints and event sinks alike.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from functions.core.errors import DomainError, Unauthenticated
from functions.edge.redaction import loggable_path

log = logging.getLogger("taskflow.edge")

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    instance: str = "",
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    response_headers = dict(headers or {})
    if "retry_after" in extra:
        response_headers["Retry-After"] = str(extra["retry_after"])
    return Response(
        json.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=response_headers
    )


class BadRequest(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def error_response(exc: Exception, path: str) -> Response:
    """The one mapping from an exception to its problem response."""
    if isinstance(exc, BadRequest):
        return problem(exc.status, exc.title, exc.detail, instance=path, **exc.extra)
    if isinstance(exc, DomainError):
        refusal = problem(exc.status, exc.title, exc.detail, instance=path, **exc.extra)
        if isinstance(exc, Unauthenticated):
            refusal.headers["WWW-Authenticate"] = 'Bearer realm="taskflow"'
        return refusal
    return unexpected_error(exc, path)


def unexpected_error(exc: Exception, path: str) -> Response:
    """Servers we depend on being down is a 503 to retry; anything else is our bug, a 500."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    # OperationalError: refused or lost connections, deadlocks, serialization failures.
    retryable = (
        RedisConnectionError
        | RedisTimeoutError
        | OperationalError
        | InterfaceError
        | PoolTimeoutError
    )
    if isinstance(exc, retryable) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        log.warning("dependency unavailable on %s: %s", loggable_path(path), exc)
        return problem(503, "Service unavailable", "try again shortly", instance=path)
    log.exception("unhandled error on %s", loggable_path(path))
    return problem(500, "Internal server error", instance=path)
