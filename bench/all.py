"""Every benchmark in one run, one table: `python -m bench.all` (what `make bench` runs).

Each bench runs in turn as its own process (so none inherits another's imports or load) with
its usual output, and records its rows; then the table of every figure beside its floor is
printed and saved under `bench/results/` (see `bench.results`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from bench.results import RESULTS_ENV, ROOT, read_rows, render, write

# Each bench and its arguments, in the order they run.
BENCHES: Final[tuple[tuple[str, ...], ...]] = (
    ("bench.cold_start",),
    ("bench.servers",),
    ("bench.cluster_start",),
    ("bench.list_tasks",),
    ("bench.subtask_triggers",),
    ("bench.import_export",),
    ("bench.relay_throughput", "--events", "3000"),
    ("bench.notify_latency", "--mode", "cluster", "--events", "200"),
    ("bench.notify_latency", "--mode", "dev", "--events", "200"),
    ("bench.streams", "--counts", "100,1000,10000", "--ways", "direct"),
    # The gateway of `taskflow cluster` is a Python proxy for one laptop, not the cluster's
    # ingress: past a thousand streams it measures that proxy, so it stops there.
    ("bench.streams", "--counts", "100,1000", "--ways", "gateway"),
    ("bench.growth", "--sizes", "100,10000,1000000"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", default="", help="comma-separated bench modules to run (default: all)"
    )
    args = parser.parse_args()
    chosen = {name.strip() for name in args.only.split(",") if name.strip()}
    failed = []
    with tempfile.TemporaryDirectory() as scratch:
        collected = Path(scratch) / "rows.jsonl"
        env = {**os.environ, RESULTS_ENV: str(collected)}
        for module, *bench_args in BENCHES:
            if chosen and module not in chosen:
                continue
            print(f"\n== python -m {module} {' '.join(bench_args)}", flush=True)
            run = subprocess.run([sys.executable, "-m", module, *bench_args], cwd=ROOT, env=env)
            if run.returncode != 0:
                failed.append(module)
        rows = read_rows(collected)
    print("\n== every figure beside its floor, measured in this run\n")
    print(render(rows))
    if rows:
        print(f"\nsaved as {write(rows).relative_to(ROOT)}")
    if failed:
        sys.exit(f"these benches failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
