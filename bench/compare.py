"""Two benchmark runs side by side: `python -m bench.compare A.json B.json`.

Rows are matched by bench and what they measure; each shows both figures, both ratios to
their floors (the comparable number when the machines differ), and B's change over A.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.results import Row, load


def compare(a: list[Row], b: list[Row]) -> list[tuple[str, ...]]:
    before = {(row.bench, row.what): row for row in a}
    after = {(row.bench, row.what): row for row in b}
    keys = list(dict.fromkeys([*before, *after]))
    lines: list[tuple[str, ...]] = [("bench", "what", "A", "B", "A ratio", "B ratio", "B/A")]
    for key in keys:
        old, new = before.get(key), after.get(key)
        lines.append(
            (
                *key,
                _value(old),
                _value(new),
                _ratio(old),
                _ratio(new),
                f"{new.taskflow / old.taskflow:.2f}x" if old and new and old.taskflow else "",
            )
        )
    return lines


def _value(row: Row | None) -> str:
    return "" if row is None else f"{row.taskflow:.4g} {row.unit}"


def _ratio(row: Row | None) -> str:
    return "" if row is None or row.ratio is None else f"{row.ratio:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args()
    (machine_a, rows_a), (machine_b, rows_b) = load(args.a), load(args.b)
    for name, described in (("A", machine_a), ("B", machine_b)):
        commit = described["commit"][:10]
        print(f"{name}: {described['cpu']}, {described['cores']} cores, commit {commit}")
    lines = compare(rows_a, rows_b)
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
