"""Live streams at scale: how many one stream-function process holds, what each costs, and how
fast one change reaches every open stream.

`python -m bench.streams [--counts 100,1000,10000] [--changes 3]` starts `taskflow cluster` (a
process per function, the relay, the dispatcher and the gateway on the real PostgreSQL, Redis
and RabbitMQ, with a database, key prefix and vhost of its own) and seeds, straight into the
database, a project per count whose members are that many people. Then, for each way in
(straight to the stream function's process, and through the gateway) and each count N in
turn, it opens one stream per member (growing the open set), and has the project's owner
create tasks through the API: each `task.created` notifies every member, and the bench times
its arrival on every stream from the create's 201. It records:

- the most streams the process held before the first refused or failed one;
- the stream worker's RSS per 1,000 open streams (its growth over the RSS before any stream);
- the 201 -> arrival time over every stream and change: median, p99, max;
- the same with one more stream that never reads its socket (a stalled client).

The file-descriptor limit is raised to the hard limit first (printed); each client socket and
each server socket take one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import resource
import socket
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

from bench import results
from bench.stack import (
    ADMIN_URL,
    BIN,
    Process,
    Stack,
    free_port,
    rabbitmq_vhost,
    start,
    wait_for_ok,
)
from functions.cluster import function_ports
from functions.core.limits import STREAM_LIMIT
from functions.core.security.keys import load_key_set
from functions.core.security.tokens import issue_access_token

STREAM_PATH = "/api/notifications/stream"
TARGET = "notification_stream"
# Streams opened at once; the rest wait their turn (a burst of 10,000 connects would only
# measure the listen backlog).
OPENING_AT_ONCE = 200
ARRIVAL_TIMEOUT_SECONDS = 120.0


def raise_file_limit() -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def seed_members(stack: Stack, counts: list[int]) -> dict[int, str]:
    """max(counts) people, and for each count a project of the bench user with that many of
    them as editors; the project ids by count. Straight into the tables: registering ten
    thousand people through the API would time the password hash, not the streams."""
    people = max(counts)
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{stack.database}"
    projects = {n: str(uuid.uuid4()) for n in counts}
    now = datetime.now(UTC)
    with psycopg.connect(url) as db:
        with db.cursor().copy(
            "COPY users (id, email, display_name, password_hash, created_at, updated_at) FROM STDIN"
        ) as copy:
            for number in range(people):
                copy.write_row(
                    (
                        _person(number),
                        f"member-{number}@bench.example",
                        f"Member {number}",
                        "!",
                        now,
                        now,
                    )
                )
        for n, project_id in projects.items():
            db.execute(
                "INSERT INTO projects (id, name, owner_id, created_at, updated_at)"
                " VALUES (%s, %s, %s, now(), now())",
                (project_id, f"Streams {n}", stack.user_id),
            )
            with db.cursor().copy(
                "COPY project_members (project_id, user_id, role, created_at) FROM STDIN"
            ) as copy:
                copy.write_row((project_id, stack.user_id, "owner", now))
                for number in range(n):
                    copy.write_row((project_id, _person(number), "editor", now))
    return projects


def _person(number: int) -> str:
    return str(uuid.UUID(int=number + 1))


@dataclass
class Stream:
    writer: asyncio.StreamWriter
    reading: asyncio.Task[None] | None = None


@dataclass
class Crowd:
    """Open streams, and when each saw each task."""

    host: str
    port: int
    streams: list[Stream] = field(default_factory=list)
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    async def open(self, token: str, *, read: bool = True) -> bool:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            if not read:  # a stalled client: its receive buffer fills, then the server's
                writer.get_extra_info("socket").setsockopt(
                    socket.SOL_SOCKET, socket.SO_RCVBUF, 4096
                )
            request = (
                f"GET {STREAM_PATH} HTTP/1.0\r\nHost: {self.host}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
            )
            writer.write(request.encode())
            status = (await reader.readline()).split()
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
        except OSError as exc:
            self.refused.append(f"connect: {exc}")
            return False
        if len(status) < 2 or status[1] != b"200":
            self.refused.append(b" ".join(status[1:]).decode(errors="replace") or "no answer")
            writer.close()
            return False
        stream = Stream(writer)
        if read:
            stream.reading = asyncio.create_task(self._read(reader))
        self.streams.append(stream)
        return True

    async def _read(self, reader: asyncio.StreamReader) -> None:
        marker = b'"task_id":"'
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while line := await reader.readline():
                at = line.find(marker)
                if at >= 0 and b'"kind":"task.created"' in line:
                    task_id = line[at + len(marker) : at + len(marker) + 36].decode()
                    self.arrivals.setdefault(task_id, []).append(time.perf_counter())

    async def close(self) -> None:
        for stream in self.streams:
            if stream.reading:
                stream.reading.cancel()
            stream.writer.close()
        self.streams.clear()


def worker_rss_kib(port: int) -> int:
    """RSS of the process listening on `port` and its children. Found by its socket: the
    functions of `taskflow cluster` are forked from one process, so all share its command line."""
    pids = _listening_pids(port)
    total = 0
    for pid in pids + [c for p in pids for c in _children(p)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _listening_pids(port: int) -> list[int]:
    """The processes holding a socket that listens on `port` (IPv4 or IPv6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                # local address "ADDR:PORT" in hex; state 0A is LISTEN.
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    inodes.add(f"socket:[{fields[9]}]")
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                    found.append(int(entry.name))
    return found


def _children(pid: int) -> Iterator[int]:
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                yield int(child)


@dataclass
class Row:
    way: str
    streams: int
    held: int
    rss_per_1000_mib: float
    samples_ms: list[float]
    missing: int
    # The stream worker's RSS growth over its RSS before any stream (start-up costs included).
    growth_kib: int = 0


async def measure(
    crowd: Crowd,
    api: httpx.AsyncClient,
    owner: dict[str, str],
    project_id: str,
    tokens: list[str],
    changes: int,
    port: int,
    baseline_kib: int,
    way: str,
) -> Row:
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one(token: str) -> bool:
        async with gate:
            return await crowd.open(token)

    await asyncio.gather(*(one(t) for t in tokens[len(crowd.streams) :]))
    held = len(crowd.streams)
    await asyncio.sleep(1)  # every stream has joined its feed's live reader
    rss = worker_rss_kib(port)
    samples: list[float] = []
    missing = 0
    for number in range(changes):
        created = await api.post(
            "/api/tasks",
            json={"project_id": project_id, "title": f"Change {number}"},
            headers=owner,
        )
        answered = time.perf_counter()
        created.raise_for_status()
        task_id = created.json()["id"]
        deadline = time.monotonic() + ARRIVAL_TIMEOUT_SECONDS
        # Each arrival is timed where it lands; this only waits for the last of them.
        while len(crowd.arrivals.get(task_id, ())) < held and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        arrived = crowd.arrivals.get(task_id, [])
        missing += held - len(arrived)
        samples += [(t - answered) * 1000 for t in arrived]
    growth = max(0, rss - baseline_kib)
    return Row(way, len(tokens), held, growth / 1024 / held * 1000, samples, missing, growth)


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) > 1 else samples[0]


def print_rows(rows: list[Row]) -> None:
    columns = [("streams", 9), ("held", 8), ("MiB/1000", 10), ("median ms", 11), ("p99 ms", 9)]
    columns += [("max ms", 9), ("missing", 9)]
    print(f"{'way in':28}" + "".join(f"{name:>{width}}" for name, width in columns))
    for r in rows:
        if r.samples_ms:
            median, p99, most = (
                statistics.median(r.samples_ms),
                _p99(r.samples_ms),
                max(r.samples_ms),
            )
            figures = f"{median:11.1f}{p99:9.1f}{most:9.1f}"
        else:
            figures = f"{'-':>11}{'-':>9}{'-':>9}"
        print(
            f"{r.way:28}{r.streams:9d}{r.held:8d}{r.rss_per_1000_mib:10.1f}{figures}{r.missing:9d}"
        )


async def run_way(
    way: str,
    host: str,
    port: int,
    api: httpx.AsyncClient,
    owner: dict[str, str],
    projects: dict[int, str],
    tokens: list[str],
    changes: int,
    stream_port: int,
) -> list[Row]:
    rows = []
    crowd = Crowd(host, port)
    baseline = worker_rss_kib(stream_port)
    try:
        for n in sorted(projects):
            row = await measure(
                crowd, api, owner, projects[n], tokens[:n], changes, stream_port, baseline, way
            )
            rows.append(row)
            print_rows([row])
            if crowd.refused:
                print(f"  first refusal after {row.held} streams: {crowd.refused[0]}")
                break
        largest = max(projects)
        if len(crowd.streams) == largest and way.startswith("direct"):
            # One past the limit: refused at once, not after a timeout.
            started = time.monotonic()
            await crowd.open(tokens[0])
            print(
                f"  stream {largest + 1}: {crowd.refused[-1] if crowd.refused else 'accepted'} "
                f"in {(time.monotonic() - started) * 1000:.0f} ms"
            )
    finally:
        await crowd.close()
    middle = sorted(projects)[len(projects) // 2]
    stalled_crowd = Crowd(host, port)
    try:
        await stalled_crowd.open(tokens[0], read=False)
        row = await measure(
            stalled_crowd,
            api,
            owner,
            projects[middle],
            tokens[:middle],
            changes,
            stream_port,
            baseline,
            f"{way} + 1 stalled",
        )
        row.held -= 1
        rows.append(row)
        print_rows([row])
    finally:
        await stalled_crowd.close()
    return rows


async def bench(
    base_url: str,
    stream_url: str,
    stack: Stack,
    projects: dict[int, str],
    changes: int,
    ways: list[str],
) -> list[Row]:
    keys = load_key_set(stack.key_pem, "", stack.workdir / "data")
    tokens = [
        issue_access_token(
            keys,
            user_id=uuid.UUID(_person(n)),
            issuer="taskflow",
            audience="taskflow-api",
            ttl_seconds=900,
        ).token
        for n in range(max(projects))
    ]
    owner = {"Authorization": f"Bearer {stack.access_token}"}
    direct = httpx.URL(stream_url)
    entrances = {
        "direct": ("direct to the stream function", direct),
        "gateway": ("through the gateway", httpx.URL(base_url)),
    }
    rows: list[Row] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as api:
        for way in ways:
            name, url = entrances[way]
            port = url.port or 80
            rows += await run_way(
                name, url.host, port, api, owner, projects, tokens, changes, direct.port or 80
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", default="100,1000,10000")
    parser.add_argument("--changes", type=int, default=3)
    parser.add_argument("--ways", default="direct,gateway", help="direct, gateway or both")
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    limit = raise_file_limit()
    print(f"file-descriptor limit: {limit} (each process of the run)")
    with rabbitmq_vhost() as amqp_url, Stack(tasks=0) as stack:
        projects = seed_members(stack, counts)
        env = {**stack.env(), "TASKFLOW_AMQP_URL": amqp_url, "TASKFLOW_LOG_LEVEL": "WARNING"}
        port = free_port()
        base_port = free_port() + 1000
        command = [
            str(BIN / "taskflow"),
            "cluster",
            "--port",
            str(port),
            "--base-port",
            str(base_port),
        ]
        server = start(command, port, env, stack.workdir / "cluster.log")
        try:
            wait_for_ok(server, "/healthz")
            ports = function_ports(base_port)
            for function_port in ports.values():
                wait_for_ok(
                    Process(server.popen, server.log, f"http://127.0.0.1:{function_port}"),
                    "/healthz",
                )
            stream_url = f"http://127.0.0.1:{ports[TARGET]}"
            print(f"streams one process accepts (TASKFLOW_STREAM_LIMIT): {STREAM_LIMIT}")
            rows = asyncio.run(
                bench(
                    server.base_url, stream_url, stack, projects, args.changes, args.ways.split(",")
                )
            )
        finally:
            server.stop(timeout=90)
    print()
    print("201 of a task create -> its notification on every open stream, taskflow cluster")
    print_rows(rows)
    print_marginal(rows)
    record_rows(rows)


def record_rows(rows: list[Row]) -> None:
    """The figures for `bench.all`'s table: per way in and count, the arrival time and the
    streams held (no floor: nothing else in this stack holds streams)."""
    table = []
    for r in rows:
        what = f"{r.way}, {r.streams} streams"
        table.append(results.Row("streams", f"{what}: held", "streams", r.held))
        if r.samples_ms:
            median = statistics.median(r.samples_ms)
            table.append(
                results.Row("streams", f"{what}: 201 -> every stream, median", "ms", median)
            )
            table.append(
                results.Row(
                    "streams", f"{what}: 201 -> every stream, p99", "ms", _p99(r.samples_ms)
                )
            )
    results.record(table)


def print_marginal(rows: list[Row]) -> None:
    """What one more open stream costs: the RSS growth between two sizes of the same way in,
    which leaves out what the first streams pay once (imports, pools, caches)."""
    direct = [r for r in rows if r.way == "direct to the stream function"]
    for smaller, larger in itertools.pairwise(direct):
        added = larger.held - smaller.held
        if added > 0:
            per_stream = (larger.growth_kib - smaller.growth_kib) / added
            print(f"RSS per added stream, {smaller.held} -> {larger.held}: {per_stream:.1f} KiB")


if __name__ == "__main__":
    main()
