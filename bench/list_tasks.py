"""Throughput of the hot reads, GET /api/tasks (50 rows) and GET /api/tasks/{id}, beside floors.

    python -m bench.list_tasks [--seconds 10] [--connections 32] [--rounds 3]

Each subject is one functions-framework --asgi process (one worker, as Knative runs it). Two
floors are measured in the same run: bench/hello.py answering "OK" (the framework alone), and
bench/floor_reads.py, which answers the same two requests with the same SELECTs through
psycopg and the json module, and nothing else (no token, no SQLAlchemy, no pydantic); its
bodies are checked to be TaskFlow's, byte for byte. Subjects run round-robin, one at a time,
for `--rounds` rounds; the table shows medians. Load comes from Debian's `wrk` when it
is installed, otherwise from a bounded asyncio httpx loop (which saturates sooner: the figures
then measure the client as much as the server, and the table says which one ran).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.results import Row, record
from bench.stack import (
    Stack,
    framework_command,
    free_port,
    function_command,
    gateway_command,
    precompile,
    start,
    wait_for_ok,
)

WRK = shutil.which("wrk")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _found(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"unexpected wrk output (no {pattern!r}):\n{text}")
    return match


def _ms(text: str) -> float:
    number, unit = _found(r"^([\d.]+)(us|ms|s)$", text).groups()
    return float(number) * UNITS_MS[unit]


def load_with_wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> Result:
    assert WRK is not None
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(_found(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The latency distribution's own lines: "+/- Stdev" columns also end in "...50%".
    p50 = _ms(_found(r"^\s+50%\s+(\S+)\s*$", out).group(1))
    p99 = _ms(_found(r"^\s+99%\s+(\S+)\s*$", out).group(1))
    # wrk prints these lines only when there were any.
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return Result(rate, p50, p99, errors)


async def _load_with_httpx(
    url: str, headers: dict[str, str], seconds: int, connections: int
) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                response = await client.get(url)
                latencies.append((time.perf_counter() - began) * 1000)
                errors += response.status_code != 200

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return Result(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
        errors,
    )


def load(url: str, headers: dict[str, str], seconds: int, connections: int) -> Result:
    if WRK:
        return load_with_wrk(url, headers, seconds, connections)
    return asyncio.run(_load_with_httpx(url, headers, seconds, connections))


@dataclass(frozen=True)
class Subject:
    name: str
    command: Callable[[int], list[str]]
    path: Callable[[Stack], str]
    authenticated: bool = False
    # The subject this one is measured against: the same answer from the least machinery.
    floor: str = ""


HELLO = "floor: hello"
FLOOR_LIST = "floor: same-stack list"
FLOOR_GET = "floor: same-stack get"


def _floor(target: str) -> Callable[[int], list[str]]:
    return lambda port: framework_command(target, port, "bench/floor_reads.py")


SUBJECTS = (
    Subject(HELLO, lambda p: framework_command("hello", p, "bench/hello.py"), lambda s: "/"),
    Subject(FLOOR_LIST, _floor("floor_list_tasks"), lambda s: f"/api/tasks?user_id={s.user_id}"),
    Subject(
        "function list_tasks",
        lambda p: function_command("list_tasks", p),
        lambda s: "/api/tasks",
        authenticated=True,
        floor=FLOOR_LIST,
    ),
    Subject(
        "gateway list_tasks",
        gateway_command,
        lambda s: "/api/tasks",
        authenticated=True,
        floor=FLOOR_LIST,
    ),
    Subject(
        FLOOR_GET,
        _floor("floor_get_task"),
        lambda s: f"/api/tasks/{s.task_id}?user_id={s.user_id}",
    ),
    Subject(
        "function get_task",
        lambda p: function_command("get_task", p),
        lambda s: f"/api/tasks/{s.task_id}",
        authenticated=True,
        floor=FLOOR_GET,
    ),
)


def measure(subject: Subject, stack: Stack, seconds: int, connections: int) -> tuple[Result, bytes]:
    """The subject's throughput under load, and the body it answers (to compare with its floor)."""
    headers = stack.auth if subject.authenticated else {}
    path = subject.path(stack)
    port = free_port()
    process = start(subject.command(port), port, stack.env(), stack.workdir / f"{port}.log")
    try:
        wait_for_ok(process, path, headers)
        url = process.base_url + path
        body = httpx.get(url, headers=headers).content
        if path == "/api/tasks":
            assert len(json.loads(body)["items"]) == stack.tasks, body
        load(url, headers, 2, connections)  # warm up: pool filled, caches hot
        return load(url, headers, seconds, connections), body
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="runs per subject (median shown)")
    args = parser.parse_args()

    precompile()
    runs: dict[str, list[Result]] = {s.name: [] for s in SUBJECTS}
    bodies: dict[str, bytes] = {}
    with Stack(tasks=50) as stack:
        for _ in range(args.rounds):  # round-robin, so drift hits every subject alike
            for subject in SUBJECTS:
                result, bodies[subject.name] = measure(
                    subject, stack, args.seconds, args.connections
                )
                runs[subject.name].append(result)
    # Same work, same answer: each floor answers TaskFlow's very bytes.
    for subject in SUBJECTS:
        if subject.floor and subject.name.startswith("function"):
            assert bodies[subject.name] == bodies[subject.floor], subject.name

    median = {name: _median(results) for name, results in runs.items()}
    hello = median[HELLO].requests_per_second
    client = "wrk -t2" if WRK else "asyncio httpx loop"
    print(
        f"\nGET throughput, {args.connections} connections, {args.seconds} s each, "
        f"load from {client}; median of {args.rounds} rounds\n"
    )
    print(
        f"{'subject':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'x hello':>8} {'x floor':>8}"
    )
    rows = []
    for subject in SUBJECTS:
        result = median[subject.name]
        if subject.floor:
            floor = median[subject.floor]
            rows.append(
                Row(
                    "list_tasks",
                    f"{subject.name}, req/s",
                    "req/s",
                    result.requests_per_second,
                    floor.requests_per_second,
                    "at least 0.8x the floor",
                )
            )
            rows.append(
                Row(
                    "list_tasks",
                    f"{subject.name}, p99",
                    "ms",
                    result.p99_ms,
                    floor.p99_ms,
                    "at most 2x the floor",
                )
            )
        rate = result.requests_per_second
        versus = (
            f"{rate / median[subject.floor].requests_per_second:>8.3f}" if subject.floor else ""
        )
        print(
            f"{subject.name:<24} {rate:>9.0f} {result.p50_ms:>8.1f} {result.p99_ms:>8.1f} "
            f"{result.errors:>7} {rate / hello:>8.3f} {versus}"
        )
    record(rows)


def _median(results: list[Result]) -> Result:
    """Each figure's median over the rounds (errors: the total)."""
    return Result(
        statistics.median(r.requests_per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
    )


if __name__ == "__main__":
    main()
