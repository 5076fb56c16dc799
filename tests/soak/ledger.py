"""The soak's ledger: every operation with its outcome, and the checker that compares it with what
the system shows once it has settled, in the categories of Jepsen's queue checker.

Each operation carries a token of its own (`op-<n>`) that every trace of it repeats: the task's
title or the comment's words, hence the notification's message and the history entry. So an
operation's evidence is found by its token, and any trace whose token no operation was given
is unexpected.

- acknowledged: a 2xx answer. Its history entry and its notification must appear, once each.
- failed: a 4xx answer, a definite refusal. Nothing of it may appear.
- unknown: a 5xx, a timeout or a broken connection. It may or may not have happened.

lost: acknowledged, and a trace is missing. unexpected: a trace of a failed operation, or of
no operation. duplicated: a trace that appears more than once. recovered: an unknown operation
whose traces all appeared.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

Outcome = Literal["acknowledged", "failed", "unknown"]
TOKEN: Final = re.compile(r"\bop-\d+\b")


@dataclass(frozen=True)
class Trace:
    """One piece of evidence an operation leaves: a history entry of `kind`, or a notification
    of `kind` in the feed of `where` (a user), each found by the operation's token."""

    channel: Literal["history", "notification"]
    kind: str
    where: str


@dataclass
class Operation:
    token: str
    name: str
    started: float
    ended: float = 0.0
    outcome: Outcome = "unknown"
    status: int | None = None
    expected: tuple[Trace, ...] = ()


@dataclass(frozen=True)
class Window:
    """A fault, from its injection until the system answered again (plus a grace period)."""

    fault: str
    start: float
    end: float

    def covers(self, moment: float) -> bool:
        return self.start <= moment <= self.end


@dataclass
class Report:
    operations: Counter[str] = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    # Failed or unknown operations that neither started nor ended inside a fault window.
    outside_faults: list[str] = field(default_factory=list)
    # Every failed or unknown operation, with the fault it met.
    interrupted: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    # Events the subscribers gave up on, by dead queue.
    dead_lettered: Counter[str] = field(default_factory=Counter)

    @property
    def passed(self) -> bool:
        return not (
            self.lost
            or self.unexpected
            or self.duplicated
            or self.outside_faults
            or self.dead_lettered
        )

    def as_json(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "operations": dict(self.operations),
            "faults": dict(self.faults),
            "dead_lettered": dict(self.dead_lettered),
            "lost": self.lost,
            "unexpected": self.unexpected,
            "duplicated": self.duplicated,
            "recovered": self.recovered,
            "outside_faults": self.outside_faults,
            "interrupted": self.interrupted,
        }

    def summary(self) -> str:
        counts = ", ".join(f"{name} {n}" for name, n in sorted(self.operations.items()))
        faults = ", ".join(f"{name} {n}" for name, n in sorted(self.faults.items())) or "none"
        lines = [
            f"operations: {counts}",
            f"faults injected: {faults}",
            f"lost {len(self.lost)}, unexpected {len(self.unexpected)}, "
            f"duplicated {len(self.duplicated)}, recovered {len(self.recovered)}, "
            f"failures outside fault windows {len(self.outside_faults)}, "
            f"dead-lettered {sum(self.dead_lettered.values())}",
        ]
        for title, items in (
            ("lost", self.lost),
            ("unexpected", self.unexpected),
            ("duplicated", self.duplicated),
            ("outside fault windows", self.outside_faults),
        ):
            if items:
                lines.append(f"{title}: " + "; ".join(items[:20]))
        return "\n".join(lines)


def tokens_in(text: str) -> list[str]:
    return TOKEN.findall(text)


def check(
    operations: Iterable[Operation],
    seen: Counter[tuple[str, Trace]],
    windows: Iterable[Window],
) -> Report:
    """Compare the ledger with `seen`: how many times each (token, trace) was found."""
    report = Report()
    windows = list(windows)
    report.faults.update(window.fault for window in windows)
    by_token = {op.token: op for op in operations}
    for op in by_token.values():
        report.operations[op.outcome] += 1
        found = [seen.get((op.token, trace), 0) for trace in op.expected]
        label = f"{op.token} {op.name} ({op.outcome}, {op.status})"
        if op.outcome == "acknowledged" and any(n == 0 for n in found):
            missing = [t for t, n in zip(op.expected, found, strict=True) if n == 0]
            report.lost.append(f"{label}: no {', '.join(_named(t) for t in missing)}")
        if op.outcome == "failed" and any(found):
            report.unexpected.append(f"{label}: it was refused, yet left traces")
        if op.outcome == "unknown" and found and all(found):
            report.recovered.append(label)
        if any(n > 1 for n in found):
            report.duplicated.append(f"{label}: {found}")
        if op.outcome != "acknowledged":
            met = [w.fault for w in windows if w.covers(op.started) or w.covers(op.ended)]
            report.interrupted.append(f"{label} during {' and '.join(met) or 'no fault'}")
            if not met:
                report.outside_faults.append(label)
    for (token, trace), n in seen.items():
        source = by_token.get(token)
        if source is None:
            report.unexpected.append(f"{token}: {_named(trace)} seen {n}x, for no operation")
        elif trace not in source.expected:
            report.unexpected.append(f"{token} {source.name}: an unexpected {_named(trace)}")
    return report


def _named(trace: Trace) -> str:
    if trace.channel == "history":
        return f"history entry '{trace.kind}'"
    return f"{trace.kind} notification for {trace.where}"
