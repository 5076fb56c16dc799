"""Benchmark figures as one table: each bench records its rows (TaskFlow's figure beside its
floor, measured in the same run), and `python -m bench.all` prints them together and writes
them as JSON under `bench/results/`, with a description of the machine, for
`python -m bench.compare A B`.

A bench run alone prints its own table as before; `record` also appends its rows to the file
named by TASKFLOW_BENCH_RESULTS when `bench.all` set it.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
RESULTS_DIR: Final = ROOT / "bench" / "results"
RESULTS_ENV: Final = "TASKFLOW_BENCH_RESULTS"


@dataclass(frozen=True)
class Row:
    """One figure: what was measured, in which unit, TaskFlow's value and its floor's (None
    when it has none), and the target the issue names, in words."""

    bench: str
    what: str
    unit: str
    taskflow: float
    floor: float | None = None
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.floor:
            return None
        return self.taskflow / self.floor


def record(rows: list[Row]) -> None:
    """Hand these rows to `bench.all`, when it is the one running this bench."""
    target = os.environ.get(RESULTS_ENV)
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(asdict(row)) + "\n")


def read_rows(path: Path) -> list[Row]:
    if not path.exists():
        return []
    return [Row(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def machine() -> dict[str, Any]:
    """What the figures were measured on: enough to know whether two runs compare."""
    memory_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mib": memory_kib // 1024,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain")),
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def write(rows: list[Row], name: str = "bench") -> Path:
    """Save a run as `bench/results/<UTC time>-<name>.json`; its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS_DIR / f"{now:%Y%m%dT%H%M%SZ}-{name}.json"
    document = {
        "measured_at": now.isoformat(),
        "machine": machine(),
        "rows": [asdict(r) for r in rows],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def load(path: Path) -> tuple[dict[str, Any], list[Row]]:
    document = json.loads(path.read_text())
    return document["machine"], [Row(**row) for row in document["rows"]]


def render(rows: list[Row]) -> str:
    """The rows as one aligned table."""
    header = ("bench", "what", "TaskFlow", "floor", "ratio", "target")
    lines = [header]
    for row in rows:
        floor = "" if row.floor is None else f"{row.floor:.4g} {row.unit}"
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        lines.append(
            (row.bench, row.what, f"{row.taskflow:.4g} {row.unit}", floor, ratio, row.target)
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
