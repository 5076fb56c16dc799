"""The soak's checker sorts every kind of discrepancy into its category (tests.soak.ledger)."""

from __future__ import annotations

from collections import Counter

from tests.soak.ledger import Operation, Trace, Window, check, tokens_in

HISTORY = Trace("history", "created", "")
NOTICE = Trace("notification", "task.assigned", "Ben")


def _op(token: str, outcome: str, at: float = 100.0) -> Operation:
    op = Operation(token, "create", at, at + 0.1, expected=(HISTORY, NOTICE))
    op.outcome = outcome  # type: ignore[assignment]
    return op


def test_a_clean_run_passes_and_counts_recovered_unknowns() -> None:
    ops = [_op("op-1", "acknowledged"), _op("op-2", "unknown"), _op("op-3", "failed")]
    seen = Counter({("op-1", HISTORY): 1, ("op-1", NOTICE): 1})
    seen.update({("op-2", HISTORY): 1, ("op-2", NOTICE): 1})
    report = check(ops, seen, [Window("redis restarted", 99.0, 101.0)])
    assert report.passed, report.summary()
    assert [r.split()[0] for r in report.recovered] == ["op-2"]
    assert report.operations == Counter(acknowledged=1, unknown=1, failed=1)


def test_every_category_is_caught() -> None:
    ops = [
        _op("op-1", "acknowledged"),  # its notice never came: lost
        _op("op-2", "acknowledged"),  # its notice came twice: duplicated
        _op("op-3", "failed"),  # refused, yet its history entry is there: unexpected
        _op("op-4", "unknown", at=500.0),  # failed in a quiet spell
    ]
    seen = Counter(
        {
            ("op-1", HISTORY): 1,
            ("op-2", HISTORY): 1,
            ("op-2", NOTICE): 2,
            ("op-3", HISTORY): 1,
            ("op-9", NOTICE): 1,  # no such operation: unexpected
            ("op-1", Trace("notification", "task.created", "Ben")): 1,  # not op-1's: unexpected
        }
    )
    report = check(ops, seen, [Window("postgres restarted", 99.0, 101.0)])
    assert not report.passed
    assert [r.split()[0] for r in report.lost] == ["op-1"]
    assert [r.split()[0] for r in report.duplicated] == ["op-2"]
    assert sorted(r.split()[0].rstrip(":") for r in report.unexpected) == ["op-1", "op-3", "op-9"]
    assert [r.split()[0] for r in report.outside_faults] == ["op-4"]


def test_dead_lettered_events_fail_the_run() -> None:
    report = check([], Counter(), [])
    report.dead_lettered["deliver_notification.dead"] = 2
    assert not report.passed
    assert "dead-lettered 2" in report.summary()


def test_tokens_are_whole_words() -> None:
    assert tokens_in("Ada commented on “op-12 to review”: op-13 a few words") == ["op-12", "op-13"]
    assert tokens_in("top-1 and op-") == []
