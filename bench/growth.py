"""Reads that stay flat: each list query shape timed at 10^2, 10^4 and 10^6 tasks, in one run.

    python -m bench.growth [--sizes 100,10000,1000000] [--requests 200] [--seconds 10]

The bench user (bench.stack's Stack: its own database, signed in through the API) belongs to
20 projects; the tasks are spread over them, seeded straight into PostgreSQL with INSERT ...
SELECT generate_series (a million tasks and their history entries in about two minutes on
two cores), and the table grows from one size to the next: the newest tasks are the last
seeded, as in a table that grew. After each size the tables are vacuumed and analysed, as
autovacuum keeps a table that has settled. Each shape is then called in this process through
the function's own ASGI app (functions.serve.create_app: what a function process serves), one
request at a time, and timed from the call to the last byte. The table shows p50 and p99 in
ms at each size, and p50 as a multiple of its p50 at the smallest size (the target: at most
2x at 10^6). The log line of each request is left out: it costs the same at every size.

`q` searches a word one task in a thousand carries, and `label` filters by a label one task
in a thousand carries: both read every match through their GIN index, so their cost grows
with the matches (none at 10^2, a thousand at 10^6), and at 10^2 their page is empty.
`stats` counts every task of the user's 20 projects: exact counts read every row counted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import psycopg

# The bench user's projects: the tasks are spread over them evenly.
PROJECTS: Final = 20
# A task's title carries one of this many words (`topic0` ... `topic999`), and one of as many
# labels (`tag-0` ...): a search for one word, or a filter by one label, matches one in this
# many tasks.
VOCABULARY: Final = 1000
# The task whose history is listed gets this many entries besides its `created` one.
HISTORY: Final = 60

_TASKS_SQL: Final = """
INSERT INTO tasks (id, project_id, title, description, status, priority, due_at, labels,
                   assignee_id, creator_id, created_at, updated_at, completed_at, version)
SELECT md5('task ' || n)::uuid,
       (%(projects)s::uuid[])[1 + n %% cardinality(%(projects)s::uuid[])],
       'Task ' || n || ' about topic' || h %% %(vocabulary)s,
       'Some words about this task, number ' || n || ', for the search to read.',
       s.status,
       (ARRAY['low', 'medium', 'high', 'urgent'])[1 + (h / 10000) %% 4],
       CASE WHEN (h / 40000) %% 5 < 3
            THEN %(now)s + ((h / 200000) %% 2880 - 1440) * interval '1 hour' END,
       jsonb_build_array('group-' || (h / 7) %% 5, 'tag-' || (h / 13) %% %(vocabulary)s),
       (%(assignees)s::uuid[])[1 + (h / 11) %% 4],
       %(creator)s,
       %(start)s + n * interval '1 second',
       %(start)s + n * interval '1 second' + (h %% 5000) * interval '1 minute',
       CASE WHEN s.status = 'done' THEN %(start)s + n * interval '1 second' + interval '1 day' END,
       1
-- n * 2654435761 mod 4294967291 (a prime) spreads consecutive tasks over every field.
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n,
     LATERAL (SELECT (n * 2654435761) %% 4294967291 AS h) AS mixed,
     LATERAL (SELECT (ARRAY['todo', 'todo', 'todo', 'in_progress', 'in_progress', 'review',
                            'done', 'done', 'done', 'cancelled'])[1 + (h / 1000) %% 10]
                     AS status) AS s
"""

# One `created` entry per task, in its project's history, when the task was created.
_HISTORY_SQL: Final = """
INSERT INTO task_activity (id, event_source, event_id, project_id, task_id, task_title,
                           actor_id, kind, changes, comment_id, excerpt, occurred_at)
SELECT md5('entry ' || n)::uuid, '/bench', 'created-' || n,
       (%(projects)s::uuid[])[1 + n %% cardinality(%(projects)s::uuid[])],
       md5('task ' || n)::uuid, 'Task ' || n, %(creator)s, 'created', '[]'::jsonb, NULL, NULL,
       %(start)s + n * interval '1 second'
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
"""

# Task 0's own history: edits after it was created.
_EDITS_SQL: Final = """
INSERT INTO task_activity (id, event_source, event_id, project_id, task_id, task_title,
                           actor_id, kind, changes, comment_id, excerpt, occurred_at)
SELECT md5('edit ' || e)::uuid, '/bench', 'edit-' || e, %(project)s, md5('task 0')::uuid,
       'Task 0', %(creator)s, 'updated',
       jsonb_build_array(jsonb_build_object('field', 'title', 'before', 'Task 0',
                                            'after', 'Task 0')),
       NULL, NULL, %(start)s + e * interval '1 minute'
FROM generate_series(1, %(edits)s) AS e
"""


def task_id(number: int) -> uuid.UUID:
    """The id of the `number`th task seeded (as the SQL above makes it)."""
    import hashlib

    return uuid.UUID(hashlib.md5(f"task {number}".encode(), usedforsecurity=False).hexdigest())


@dataclass(frozen=True)
class People:
    """Who the seeded tasks belong to, and when they were made: the projects (the bench user
    is in each), the user who creates them, whom they are assigned to (one in four each; None
    is unassigned), the instant task n is created after (task n a second after task n - 1),
    and the instant due dates are spread around (60 days either side; three tasks in five have
    one)."""

    projects: list[uuid.UUID]
    creator: uuid.UUID
    assignees: list[uuid.UUID | None]
    start: datetime
    now: datetime


def add_projects(conn: psycopg.Connection[Any], user_id: uuid.UUID, count: int) -> People:
    """Projects of `user_id`'s up to `count` (their own first), and a colleague in each."""
    now = datetime.now(UTC)
    colleague = uuid.uuid4()
    conn.execute(
        "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)"
        " VALUES (%s, %s, 'Colleague', 'no password', %s, %s)",
        (colleague, f"colleague-{colleague.hex[:8]}@example.com", now, now),
    )
    owned = [
        row[0]
        for row in conn.execute(
            "SELECT project_id FROM project_members WHERE user_id = %s ORDER BY created_at",
            (user_id,),
        )
    ]
    for number in range(len(owned), count):
        project = uuid.uuid4()
        conn.execute(
            "INSERT INTO projects (id, name, description, owner_id, is_inbox, created_at,"
            " updated_at) VALUES (%s, %s, '', %s, false, %s, %s)",
            (project, f"Project {number}", user_id, now, now),
        )
        conn.execute(
            "INSERT INTO project_members (project_id, user_id, role, created_at)"
            " VALUES (%s, %s, 'owner', %s)",
            (project, user_id, now),
        )
        owned.append(project)
    for project in owned:
        conn.execute(
            "INSERT INTO project_members (project_id, user_id, role, created_at)"
            " VALUES (%s, %s, 'editor', %s)",
            (project, colleague, now),
        )
    # A million tasks, a second apart, end now.
    start = now - timedelta(seconds=1_000_000)
    return People(owned, user_id, [user_id, colleague, None, None], start, now)


def seed(conn: psycopg.Connection[Any], people: People, first: int, last: int) -> None:
    """Tasks number `first` to `last - 1` and their `created` entries (with task 0, its edits)."""
    if last <= first:
        return
    values = {
        "projects": people.projects,
        "assignees": people.assignees,
        "creator": people.creator,
        "first": first,
        "last": last - 1,
        "start": people.start,
        "now": people.now,
        "vocabulary": VOCABULARY,
    }
    conn.execute(_TASKS_SQL, values)
    conn.execute(_HISTORY_SQL, values)
    if first == 0:
        conn.execute(_EDITS_SQL, {**values, "project": people.projects[0], "edits": HISTORY})


def settle(conn: psycopg.Connection[Any]) -> None:
    """What autovacuum does for a table that has settled (visibility map, statistics), and a
    checkpoint, so that writing out the seeding does not land on the timed requests."""
    for table in ("tasks", "task_activity", "projects", "project_members", "users"):
        conn.execute(f"VACUUM ANALYZE {table}")
    conn.execute("CHECKPOINT")


@dataclass(frozen=True)
class Shape:
    """One query shape: the function that answers it, and its path and query at one size."""

    name: str
    target: str
    path: Callable[[Sizes], str]
    query: Callable[[Sizes], str] = lambda s: ""
    # The target (p50 at 10^6 at most 2x its p50 at 10^2) is for list pages.
    flat: bool = True


@dataclass
class Sizes:
    """What the shapes need to know of the seeded data (the cursor changes with each size)."""

    people: People
    page_two: str = ""


SHAPES: Final = (
    Shape("default list", "list_tasks", lambda s: "/api/tasks"),
    Shape("status filter", "list_tasks", lambda s: "/api/tasks", lambda s: "status=todo"),
    Shape("sort by due", "list_tasks", lambda s: "/api/tasks", lambda s: "sort=due"),
    Shape("sort by priority", "list_tasks", lambda s: "/api/tasks", lambda s: "sort=-priority"),
    Shape("q search", "list_tasks", lambda s: "/api/tasks", lambda s: "q=topic17"),
    Shape("label filter", "list_tasks", lambda s: "/api/tasks", lambda s: "label=tag-17"),
    Shape("page 2", "list_tasks", lambda s: "/api/tasks", lambda s: f"cursor={s.page_two}"),
    Shape(
        "my tasks",
        "list_tasks",
        lambda s: "/api/tasks",
        lambda s: f"assignee_id={s.people.creator}",
    ),
    Shape(
        "board column",
        "list_tasks",
        lambda s: "/api/tasks",
        lambda s: f"project_id={s.people.projects[0]}&status=in_progress",
    ),
    Shape("task activity", "task_activity", lambda s: f"/api/tasks/{task_id(0)}/activity"),
    Shape(
        "project activity",
        "project_activity",
        lambda s: f"/api/projects/{s.people.projects[0]}/activity",
    ),
    Shape("stats", "task_stats", lambda s: "/api/tasks/stats", flat=False),
)


@dataclass(frozen=True)
class Timing:
    p50_ms: float
    p99_ms: float
    requests: int


async def _time(
    app: Any, subject: Any, headers: list[tuple[bytes, bytes]], requests: int, seconds: float
) -> Timing:
    """Each request on its own, `requests` of them, or fewer (at least 20) past `seconds`."""
    from bench.in_process import call

    for _ in range(10):  # warm: connections open, statements prepared
        await call(app, subject, headers)
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(samples) < requests and (len(samples) < 20 or time.perf_counter() < deadline):
        began = time.perf_counter()
        await call(app, subject, headers)
        samples.append((time.perf_counter() - began) * 1000)
    centiles = statistics.quantiles(samples, n=100, method="inclusive")
    return Timing(statistics.median(samples), centiles[98], len(samples))


async def _measure(
    apps: dict[str, Any], sizes: Sizes, token: str, requests: int, seconds: float
) -> dict[str, Timing]:
    import json

    from bench.in_process import Subject, call

    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    first = Subject("first page", "list_tasks", "", "/api/tasks")
    sizes.page_two = json.loads(await call(apps["list_tasks"], first, headers))["next_cursor"]
    timings = {}
    for shape in SHAPES:
        subject = Subject(shape.name, shape.target, "", shape.path(sizes), shape.query(sizes))
        timings[shape.name] = await _time(apps[shape.target], subject, headers, requests, seconds)
    return timings


def _print(results: dict[int, dict[str, Timing]]) -> None:
    sizes = sorted(results)
    smallest = sizes[0]
    head = f"{'shape':<18}" + "".join(
        f" | {f'{size:,} tasks':>22}" + ("" if size == smallest else f" {'x':>5}") for size in sizes
    )
    print("\n" + head)
    print(
        f"{'':<18}"
        + "".join(
            f" | {'p50 ms':>10} {'p99 ms':>11}" + ("" if size == smallest else f" {'p50':>5}")
            for size in sizes
        )
    )
    for shape in SHAPES:
        line = f"{shape.name:<18}"
        base = results[smallest][shape.name].p50_ms
        for size in sizes:
            timing = results[size][shape.name]
            line += f" | {timing.p50_ms:>10.2f} {timing.p99_ms:>11.2f}"
            if size != smallest:
                line += f" {timing.p50_ms / base:>5.2f}"
        print(line)
    print(
        f"\nx p50: the p50 beside the p50 at {smallest:,} tasks (target for list pages: at most "
        "2x); one request at a time, in process, through each function's ASGI app"
    )


def _record(results: dict[int, dict[str, Timing]]) -> None:
    from bench.results import Row, record

    smallest, largest = min(results), max(results)
    record(
        [
            Row(
                bench="growth",
                what=f"{shape.name} p50 at {largest:,} tasks (floor: at {smallest:,})",
                unit="ms",
                taskflow=results[largest][shape.name].p50_ms,
                floor=results[smallest][shape.name].p50_ms,
                target="<= 2x" if shape.flat else "",
            )
            for shape in SHAPES
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,10000,1000000", help="task counts, ascending")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per shape")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="stop a shape's requests after this long"
    )
    args = parser.parse_args()
    sizes = sorted({int(size) for size in args.sizes.split(",")})

    import uvloop

    from bench.stack import Stack
    from functions.serve import create_app

    logging.getLogger("taskflow.request").setLevel(logging.WARNING)
    results: dict[int, dict[str, Timing]] = {}
    with Stack(tasks=0) as stack:
        os.environ.update(stack.env())
        url = stack.database_url.replace("+psycopg", "")
        with psycopg.connect(url, autocommit=True) as conn:
            people = add_projects(conn, uuid.UUID(stack.user_id), PROJECTS)
        apps = {target: create_app(target) for target in {s.target for s in SHAPES}}
        seeded = 0
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            for size in sizes:
                began = time.perf_counter()
                with psycopg.connect(url, autocommit=True) as conn:
                    seed(conn, people, seeded, size)
                    settle(conn)
                seeded = max(seeded, size)
                print(f"{size:,} tasks: seeded in {time.perf_counter() - began:.1f} s", flush=True)
                results[size] = runner.run(
                    _measure(apps, Sizes(people), stack.access_token, args.requests, args.seconds)
                )
    _print(results)
    _record(results)


if __name__ == "__main__":
    main()
