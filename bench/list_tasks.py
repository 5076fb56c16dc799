"""Throughput of GET /api/tasks (50 rows) from a lone function process, beside the floor.

    python -m bench.list_tasks [--seconds 10] [--connections 32]

Each subject is one functions-framework --asgi process (one worker, as Knative runs it); the
floor is bench/hello.py answering "OK" in the same run. Load comes from Debian's `wrk` when it
is installed, otherwise from a bounded asyncio httpx loop (which saturates sooner: the figures
then measure the client as much as the server, and the table says which one ran).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.stack import (
    Stack,
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
    p50 = _ms(_found(r"^\s+50%\s+(\S+)$", out).group(1))
    p99 = _ms(_found(r"^\s+99%\s+(\S+)$", out).group(1))
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
    path: str
    authenticated: bool = False


SUBJECTS = (
    Subject("floor: hello GET", lambda p: function_command("hello", p, "bench/hello.py"), "/"),
    Subject("function list_tasks", lambda p: function_command("list_tasks", p), "/api/tasks", True),
    Subject("gateway list_tasks", gateway_command, "/api/tasks", authenticated=True),
)


def measure(subject: Subject, stack: Stack, seconds: int, connections: int) -> Result:
    headers = stack.auth if subject.authenticated else {}
    port = free_port()
    process = start(subject.command(port), port, stack.env(), stack.workdir / f"{port}.log")
    try:
        wait_for_ok(process, subject.path, headers)
        url = process.base_url + subject.path
        if subject.authenticated:
            page = httpx.get(url, headers=headers).json()
            assert len(page["items"]) == stack.tasks, page
        load(url, headers, 2, connections)  # warm up: pool filled, caches hot
        return load(url, headers, seconds, connections)
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    precompile()
    with Stack(tasks=50) as stack:
        results = {s.name: measure(s, stack, args.seconds, args.connections) for s in SUBJECTS}

    floor = results[SUBJECTS[0].name].requests_per_second
    client = "wrk -t2" if WRK else "asyncio httpx loop"
    print(
        f"\nGET throughput, {args.connections} connections, {args.seconds} s each, "
        f"load from {client}\n"
    )
    print(f"{'subject':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'x floor':>8}")
    for name, result in results.items():
        print(
            f"{name:<24} {result.requests_per_second:>9.0f} {result.p50_ms:>8.1f} "
            f"{result.p99_ms:>8.1f} {result.errors:>7} {result.requests_per_second / floor:>8.3f}"
        )


if __name__ == "__main__":
    main()
