"""Structured logs and the W3C trace context that ties one request's lines together."""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

_TRACEPARENT: Final = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_INVALID_TRACE: Final = "0" * 32
_INVALID_SPAN: Final = "0" * 16


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str
    flags: str = "01"

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self) -> TraceContext:
        """This trace, from a new span of our own (what we pass on downstream)."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.flags)


def new_trace() -> TraceContext:
    return TraceContext(secrets.token_hex(16), secrets.token_hex(8))


def continue_trace(traceparent: str | None) -> TraceContext:
    """The caller's trace continued in a span of ours, or a new trace if it sent none valid."""
    found = _TRACEPARENT.fullmatch((traceparent or "").strip().lower())
    if found is None or found[1] == _INVALID_TRACE or found[2] == _INVALID_SPAN:
        return new_trace()
    return TraceContext(found[1], found[2], found[3]).child()


current_trace: ContextVar[TraceContext | None] = ContextVar("taskflow_trace", default=None)
# The function serving this request: the `source` of the events it produces.
current_function: ContextVar[str | None] = ContextVar("taskflow_function", default=None)


class JsonLines(logging.Formatter):
    """One JSON object a line, with the trace id of the request being served."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        trace = current_trace.get()
        if trace is not None:
            line["trace_id"] = trace.trace_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


_configured = False


def configure_logging(level: str) -> None:
    """Send TaskFlow's logs to stderr as JSON lines (once per process)."""
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("taskflow")
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    _configured = True
