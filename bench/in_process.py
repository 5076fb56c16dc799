"""Per-request cost of the hot reads in one process, without HTTP or a load generator.

    python -m bench.in_process [--requests 2000] [--rounds 5] 2>/dev/null
    python -m bench.in_process --profile list_tasks [--flat | --show-all] 2>/dev/null

Each subject is the ASGI app functions-framework builds for its target (as a function process
serves it), called directly on uvloop one request at a time, on the real PostgreSQL and Redis:
`list_tasks` and `get_task`, each beside its same-stack floor from bench/floor_reads.py (whose
bodies are checked to be TaskFlow's, byte for byte). It prints, per subject, the median over
rounds of the wall and CPU milliseconds per request (CPU: this process's, not the servers'),
so a change to a read path can be measured before and after under the same conditions. With
`--profile TARGET` it prints a pyinstrument profile of that subject instead. Each request
logs a line to stderr, hence the redirection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import uvloop
from functions_framework.aio import create_asgi_app

from bench.stack import ROOT, Stack

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class Subject:
    name: str
    target: str
    source: str
    path: str
    query: str = ""
    authenticated: bool = True


def subjects(stack: Stack) -> tuple[Subject, ...]:
    floor = str(ROOT / "bench" / "floor_reads.py")
    main = str(ROOT / "functions" / "main.py")
    who = f"user_id={stack.user_id}"
    task = f"/api/tasks/{stack.task_id}"
    return (
        Subject("floor list_tasks", "floor_list_tasks", floor, "/api/tasks", who, False),
        Subject("function list_tasks", "list_tasks", main, "/api/tasks"),
        Subject("floor get_task", "floor_get_task", floor, task, who, False),
        Subject("function get_task", "get_task", main, task),
    )


async def call(app: App, subject: Subject, headers: list[tuple[bytes, bytes]]) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": subject.path,
        "raw_path": subject.path.encode(),
        "query_string": subject.query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
    }
    body: list[bytes] = []
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    if status != 200:
        raise RuntimeError(f"{subject.name}: {status} {b''.join(body)[:500]!r}")
    return b"".join(body)


async def per_request_ms(
    app: App, subject: Subject, headers: Any, requests: int
) -> tuple[float, float]:
    """Wall and CPU milliseconds per request (CPU: this process's, not the servers')."""
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        await call(app, subject, headers)
    wall_ms = (time.perf_counter() - began) * 1000 / requests
    return wall_ms, (time.process_time() - cpu) * 1000 / requests


async def run(stack: Stack, args: argparse.Namespace) -> None:
    requests, rounds, profile = args.requests, args.rounds, args.profile
    apps = {s.name: (s, create_asgi_app(target=s.target, source=s.source)) for s in subjects(stack)}
    auth = [(b"authorization", stack.auth["Authorization"].encode())]
    plain: list[tuple[bytes, bytes]] = []

    def headers_for(subject: Subject) -> list[tuple[bytes, bytes]]:
        return [(b"host", b"bench"), *(auth if subject.authenticated else plain)]

    # Same work, same answer: each floor's body is TaskFlow's, byte for byte.
    bodies = {name: await call(app, s, headers_for(s)) for name, (s, app) in apps.items()}
    for what in ("list_tasks", "get_task"):
        assert bodies[f"floor {what}"] == bodies[f"function {what}"], what

    if profile is not None:
        from pyinstrument import Profiler

        subject, app = next(v for v in apps.values() if v[0].target == profile)
        await per_request_ms(app, subject, headers_for(subject), 200)
        with Profiler(interval=0.0002, async_mode="disabled") as profiler:
            ms, _ = await per_request_ms(app, subject, headers_for(subject), requests)
        print(profiler.output_text(unicode=True, flat=args.flat, show_all=args.show_all))
        print(f"{subject.name}: {ms:.3f} ms per request while profiled")
        return

    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in apps}
    for subject, app in apps.values():  # warm up: connections opened, caches hot
        await per_request_ms(app, subject, headers_for(subject), 200)
    for _ in range(rounds):
        for name, (subject, app) in apps.items():
            samples[name].append(await per_request_ms(app, subject, headers_for(subject), requests))
    print(f"\nin process, one request at a time, {requests} requests x {rounds} rounds (median)\n")
    print(f"{'subject':<22} {'wall ms':>8} {'min':>7} {'max':>7} {'CPU ms':>8}")
    medians = {}
    for name, values in samples.items():
        walls, cpus = [v[0] for v in values], [v[1] for v in values]
        medians[name] = statistics.median(walls), statistics.median(cpus)
        print(
            f"{name:<22} {medians[name][0]:>8.3f} {min(walls):>7.3f} {max(walls):>7.3f} "
            f"{medians[name][1]:>8.3f}"
        )
    for what in ("list_tasks", "get_task"):
        floor, function = medians[f"floor {what}"], medians[f"function {what}"]
        print(
            f"{what}: {function[0] / floor[0]:.2f} x the floor's wall time, "
            f"{function[1] / floor[1]:.2f} x its CPU time"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=["list_tasks", "get_task"])
    parser.add_argument("--flat", action="store_true", help="profile by own time, not as a tree")
    parser.add_argument("--show-all", action="store_true", help="profile: library frames too")
    args = parser.parse_args()
    with Stack(tasks=50) as stack:
        os.environ.update(stack.env())
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(run(stack, args))


if __name__ == "__main__":
    main()
