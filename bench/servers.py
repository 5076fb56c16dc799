"""One function under each server: cold start, and memory after its first 200 requests.

    python -m bench.servers [--runs 5] [--requests 200]

The two ways to serve a function: `functions-framework --asgi` (a gunicorn arbiter and one
uvicorn worker: two processes) and `python -m functions.serve` (uvicorn alone: what the image,
`taskflow cluster` and `taskflow dev` use). Each subject is started `--runs` times, round-robin;
cold start is process start to the first 200 on its path, memory is the RSS and PSS summed over
the process and its children after `--requests` requests. Beside them: functions-framework
serving bench/hello.py, the cold-start floor.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.results import Row, record
from bench.stack import (
    Stack,
    framework_command,
    free_port,
    function_command,
    precompile,
    start,
    summary,
    wait_for_ok,
)


@dataclass(frozen=True)
class Subject:
    name: str
    command: Callable[[int], list[str]]
    path: Callable[[Stack], str]
    authenticated: bool = False


def _subjects() -> tuple[Subject, ...]:
    subjects = [Subject("hello, functions-framework", _hello, lambda s: "/")]
    for target, path, authenticated in (
        ("healthz", lambda s: "/healthz", False),
        ("list_tasks", lambda s: "/api/tasks", True),
        ("get_task", lambda s: f"/api/tasks/{s.task_id}", True),
    ):
        subjects.append(
            Subject(f"{target}, functions-framework", _framework(target), path, authenticated)
        )
        subjects.append(Subject(f"{target}, functions.serve", _serve(target), path, authenticated))
    return tuple(subjects)


def _hello(port: int) -> list[str]:
    return framework_command("hello", port, "bench/hello.py")


def _framework(target: str) -> Callable[[int], list[str]]:
    return lambda port: framework_command(target, port, "functions/main.py")


def _serve(target: str) -> Callable[[int], list[str]]:
    return lambda port: function_command(target, port)


def process_tree(pid: int) -> list[int]:
    """`pid` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def memory_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS of `pid`'s process tree, in MiB (from /proc/PID/smaps_rollup)."""
    rss = pss = 0
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name == "Rss":
                rss += int(rest.split()[0])
            elif name == "Pss":
                pss += int(rest.split()[0])
    return rss / 1024, pss / 1024


def measure(subject: Subject, stack: Stack, requests: int) -> tuple[float, float, float, int]:
    """Cold start (ms), RSS and PSS (MiB) after `requests` requests, and the process count."""
    port = free_port()
    headers = stack.auth if subject.authenticated else {}
    began = time.perf_counter()
    process = start(subject.command(port), port, stack.env(), stack.workdir / f"{port}.log")
    try:
        cold_ms = wait_for_ok(process, subject.path(stack), headers, started=began) * 1000
        with httpx.Client(base_url=process.base_url, headers=headers, timeout=30) as client:
            for _ in range(requests - 1):
                client.get(subject.path(stack)).raise_for_status()
        rss, pss = memory_mib(process.popen.pid)
        return cold_ms, rss, pss, len(process_tree(process.popen.pid))
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    precompile()
    subjects = _subjects()
    runs: dict[str, list[tuple[float, float, float, int]]] = {s.name: [] for s in subjects}
    with Stack(tasks=50) as stack:
        measure(subjects[0], stack, 1)  # warm the page cache once; not counted
        for _ in range(args.runs):
            for subject in subjects:
                runs[subject.name].append(measure(subject, stack, args.requests))
    floor = summary([r[0] for r in runs[subjects[0].name]])[0]
    print(
        f"\ncold start (median of {args.runs}, ms) and memory after {args.requests} requests "
        "(median, MiB, process tree)\n"
    )
    print(f"{'subject':<32} {'cold ms':>8} {'x hello':>8} {'RSS':>7} {'PSS':>7} {'procs':>6}")
    rows = []
    for subject in subjects:
        results = runs[subject.name]
        cold = summary([r[0] for r in results])[0]
        rss = summary([r[1] for r in results])[0]
        pss = summary([r[2] for r in results])[0]
        print(
            f"{subject.name:<32} {cold:>8.0f} {cold / floor:>8.2f} {rss:>7.1f} {pss:>7.1f} "
            f"{results[0][3]:>6}"
        )
        if subject.name.endswith("functions.serve"):
            target = "under 80 MiB"
            rows.append(Row("servers", f"{subject.name}, RSS", "MiB", rss, None, target))
            rows.append(Row("servers", f"{subject.name}, PSS", "MiB", pss))
    record(rows)


if __name__ == "__main__":
    main()
