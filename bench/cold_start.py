"""Cold start: process start to first 200, for TaskFlow's functions and gateway beside a floor.

    python -m bench.cold_start [--runs 7]

The floor is functions-framework serving bench/hello.py; every subject is measured in the
same run, round-robin, so drift between runs hits them all alike. Compare ratios, not ms.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.results import Row, record
from bench.stack import (
    ROOT,
    Process,
    Stack,
    framework_command,
    free_port,
    function_command,
    gateway_command,
    precompile,
    start,
    summary,
    wait_for_ok,
)


@dataclass(frozen=True)
class Subject:
    name: str
    command: Callable[[int], list[str]]
    path: str
    authenticated: bool = False
    note: str = ""


SUBJECTS = (
    Subject(
        "floor: functions-framework hello",
        lambda p: framework_command("hello", p, "bench/hello.py"),
        "/",
    ),
    Subject("function healthz", lambda p: function_command("healthz", p), "/healthz"),
    Subject("function jwks", lambda p: function_command("jwks", p), "/.well-known/jwks.json"),
    Subject(
        "function list_tasks (50 rows)",
        lambda p: function_command("list_tasks", p),
        "/api/tasks",
        authenticated=True,
        note="token check + Redis denylist + PostgreSQL query",
    ),
    Subject(
        "function get_task",
        lambda p: function_command("get_task", p),
        "/api/tasks/{task_id}",
        authenticated=True,
        note="token check + Redis denylist + PostgreSQL query",
    ),
    Subject(
        "gateway: taskflow dev", gateway_command, "/healthz", note="includes its migration check"
    ),
)


def measure(subject: Subject, stack: Stack, run: int) -> float:
    """Milliseconds from spawning the process to its first 200 on the subject's path."""
    port = free_port()
    log = stack.workdir / f"{subject.command(port)[0].rsplit('/', 1)[-1]}-{run}.log"
    headers = stack.auth if subject.authenticated else None
    began = time.perf_counter()
    process: Process = start(subject.command(port), port, stack.env(), log)
    try:
        path = subject.path.format(task_id=stack.task_id)
        return wait_for_ok(process, path, headers, started=began) * 1000
    finally:
        process.stop()


def interpreter_floor_ms(runs: int) -> float:
    """`python -c pass`: what any Python process pays before importing anything."""
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, cwd=ROOT)
        samples.append((time.perf_counter() - began) * 1000)
    return summary(samples)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="starts per subject (median shown)")
    parser.add_argument("--tasks", type=int, default=50, help="tasks list_tasks answers with")
    args = parser.parse_args()

    precompile()
    samples: dict[str, list[float]] = {s.name: [] for s in SUBJECTS}
    with Stack(tasks=args.tasks) as stack:
        measure(SUBJECTS[0], stack, -1)  # warm the page cache once; not counted
        for run in range(args.runs):
            for subject in SUBJECTS:
                samples[subject.name].append(measure(subject, stack, run))
    python_ms = interpreter_floor_ms(args.runs)

    floor = summary(samples[SUBJECTS[0].name])[0]
    print(f"\ncold start, process start to first 200; median of {args.runs} runs (ms)\n")
    print(f"{'subject':<34} {'median':>8} {'min':>8} {'max':>8} {'x floor':>8}  note")
    print(
        f"{'python -c pass (exit)':<34} {python_ms:>8.0f} {'':>8} {'':>8} {python_ms / floor:>8.2f}"
    )
    rows = []
    for subject in SUBJECTS:
        median, low, high = summary(samples[subject.name])
        print(
            f"{subject.name:<34} {median:>8.0f} {low:>8.0f} {high:>8.0f} "
            f"{median / floor:>8.2f}  {subject.note}"
        )
        if subject is not SUBJECTS[0]:
            dev = subject.name.startswith("gateway")
            target = "at most 2x the floor" if dev else "at most 1.5x the floor"
            rows.append(Row("cold_start", subject.name, "ms", median, floor, target))
    record(rows)


if __name__ == "__main__":
    main()
