"""What exporting and importing a project costs, beside the floor of the same stack.

    python -m bench.import_export [--tasks 10000] [--import-tasks 5000] [--rounds 3]

On a throwaway database migrated to head (PostgreSQL, as in production), in this one process:

* Export: a project of `--tasks` tasks (a third with labels, two in five with a due date or
  day, half assigned, one in four with 1-3 comments) seeded straight into PostgreSQL, is
  exported through `services.exports.export_project` as JSON and as CSV, every chunk consumed.
  Its floors read the same rows through psycopg and nothing else: for JSON a server-side
  cursor over the tasks with the same joins (comments gathered per task by PostgreSQL),
  each row written with the json module in chunks of the same size; for CSV a
  `COPY (SELECT <the same columns>) TO STDOUT (FORMAT csv)`, PostgreSQL writing the CSV.
  The floors leave out the header's small reads (membership, project, members) and the files
  (the project has none: TaskFlow asks for them and finds none), and guard no cell.
* Import: a Todoist CSV of `--import-tasks` tasks (half with labels, one in three with 1-2
  notes, a quarter with a due day) goes through `services.imports.start_import`, then
  `run_import` is called with each run request the outbox holds for it, as the broker would
  deliver them (the first, and each hand-on after a delivery's slice of time) until the
  import is done. Its floor reads the same file with the csv module and writes the same tasks
  and comments with one COPY each, in one transaction, through psycopg.

Rounds alternate the order (TaskFlow first, then the floor first), after one untimed warm-up of
each; the table shows the median and the range. Afterwards one more untimed export of each
kind runs under tracemalloc, and TaskFlow's also on a project of half as many tasks: a peak of
traced memory that stays the same at both sizes, and well below the size of what was produced,
is what streaming promises.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import re
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

import psycopg
import uvloop
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from sqlalchemy import select

from bench.results import Row, record
from bench.stack import ADMIN_URL, REDIS_URL
from events import types
from functions.core import migrate
from functions.core.models.exports import ExportFormat
from functions.core.outbox import from_row
from functions.core.runtime import Runtime
from functions.core.security.keys import new_private_key_pem
from functions.core.services import exports, imports
from functions.core.settings import Settings
from functions.core.tables import outbox, project_imports

T = TypeVar("T")
BENCH: Final = "import_export"
MIB: Final = 1024 * 1024
START: Final = datetime(2026, 1, 1, tzinfo=UTC)
# Rows a server-side cursor fetches at a time: TaskFlow reads its tasks in batches this size.
FETCH: Final = exports.BATCH

_USER_SQL: Final = (
    "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)"
    " VALUES (%s, %s, %s, 'x', now(), now())"
)
_PROJECT_SQL: Final = (
    "INSERT INTO projects (id, name, owner_id, created_at, updated_at)"
    " VALUES (%s, %s, %s, now(), now())"
)
_MEMBER_SQL: Final = (
    "INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (%s, %s, %s, now())"
)

_SEED_TASKS_SQL: Final = """
INSERT INTO tasks (id, project_id, title, description, status, priority, due_at, due_date, labels,
                   assignee_id, creator_id, created_at, updated_at, completed_at, version)
SELECT md5(%(prefix)s || ' task ' || n)::uuid, %(project)s,
       'Task ' || n || ' of the exported project',
       CASE WHEN n %% 2 = 0 THEN 'Some words about task ' || n || ', as a person writes them.'
            ELSE '' END,
       s.status,
       (ARRAY['low', 'medium', 'high', 'urgent'])[1 + n %% 4],
       CASE WHEN n %% 5 = 0 THEN %(start)s + n * interval '1 hour' END,
       CASE WHEN n %% 5 = 1 THEN date '2027-01-01' + (n %% 300)::int END,
       CASE WHEN n %% 3 = 0 THEN jsonb_build_array('bench', 'group-' || n %% 5)
            ELSE '[]'::jsonb END,
       CASE WHEN n %% 2 = 0 THEN %(colleague)s::uuid END,
       %(owner)s,
       %(start)s + n * interval '1 second',
       %(start)s + n * interval '1 second' + interval '1 day',
       CASE WHEN s.status = 'done' THEN %(start)s + n * interval '1 second' + interval '2 days'
       END,
       1
FROM generate_series(0, %(count)s - 1) AS n,
     LATERAL (SELECT (ARRAY['todo', 'in_progress', 'done'])[1 + n %% 3] AS status) AS s
"""
# One task in four has 1-3 comments, by the owner and a colleague in turn.
_SEED_COMMENTS_SQL: Final = """
INSERT INTO comments (id, task_id, author_id, body, created_at, updated_at)
SELECT md5(%(prefix)s || ' comment ' || n || ' ' || k)::uuid,
       md5(%(prefix)s || ' task ' || n)::uuid,
       CASE WHEN k %% 2 = 0 THEN %(owner)s::uuid ELSE %(colleague)s::uuid END,
       'Comment ' || k || ' on task ' || n || ', with a few words of its own.',
       %(start)s + n * interval '1 second' + k * interval '1 minute',
       %(start)s + n * interval '1 second' + k * interval '1 minute'
FROM generate_series(0, %(count)s - 1) AS n, generate_series(1, 1 + n %% 3) AS k
WHERE n %% 4 = 0
"""

# TaskFlow's export statement, written out: the task, its people's addresses, its comments.
_FLOOR_JSON_SQL: Final = """
SELECT t.id, t.parent_id, t.title, t.description, t.status, t.priority, t.due_at, t.due_date,
       t.labels, a.email AS assignee_email, c.email AS creator_email, t.created_at,
       t.updated_at, t.completed_at, t.recurrence, t.recurrence_basis,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, 'author_email', u.email,
                                                     'body', m.body, 'created_at', m.created_at,
                                                     'updated_at', m.updated_at)
                                  ORDER BY m.created_at, m.id)
                 FROM comments m LEFT JOIN users u ON u.id = m.author_id
                 WHERE m.task_id = t.id), '[]'::jsonb) AS comments
FROM tasks t
LEFT JOIN users a ON a.id = t.assignee_id
LEFT JOIN users c ON c.id = t.creator_id
WHERE t.project_id = %s
ORDER BY t.created_at, t.id
"""
# The CSV's columns (functions.core.exports.CSV_COLUMNS), PostgreSQL writing the file.
_FLOOR_CSV_SQL: Final = """
COPY (
SELECT t.id, t.parent_id, t.title, t.description, t.status, t.priority,
       (SELECT string_agg(l, ', ') FROM jsonb_array_elements_text(t.labels) AS l) AS labels,
       t.due_at, t.due_date, a.email AS assignee_email, c.email AS creator_email, t.created_at,
       t.updated_at, t.completed_at, t.recurrence, t.recurrence_basis,
       (SELECT jsonb_agg(jsonb_build_object('author_email', u.email, 'body', m.body,
                                            'created_at', m.created_at)
                         ORDER BY m.created_at, m.id)
        FROM comments m LEFT JOIN users u ON u.id = m.author_id
        WHERE m.task_id = t.id) AS comments
FROM tasks t
LEFT JOIN users a ON a.id = t.assignee_id
LEFT JOIN users c ON c.id = t.creator_id
WHERE t.project_id = {project}
ORDER BY t.created_at, t.id
) TO STDOUT (FORMAT csv, HEADER)
"""

TODOIST_HEADER: Final = (
    "TYPE",
    "CONTENT",
    "DESCRIPTION",
    "PRIORITY",
    "INDENT",
    "AUTHOR",
    "RESPONSIBLE",
    "DATE",
    "DATE_LANG",
    "TIMEZONE",
    "DURATION",
    "DURATION_UNIT",
)
# Todoist's PRIORITY (1 = p1, the highest) as TaskFlow's priority.
PRIORITIES: Final = {"1": "urgent", "2": "high", "3": "medium", "4": "low"}
_LABEL: Final = re.compile(r"(?<!\S)@([^\s@]+)")
_AUTHOR: Final = "Bench Person (40213377)"


@dataclass(frozen=True)
class Sample:
    """One timed run: seconds taken, rows (tasks) handled, bytes produced."""

    seconds: float
    rows: int
    size: int = 0


@dataclass(frozen=True)
class Figures:
    """A subject's samples over the rounds, summarised."""

    samples: list[Sample]

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.seconds for s in self.samples)

    @property
    def rate(self) -> float:
        return self.samples[0].rows / self.median

    @property
    def mib(self) -> float:
        return self.samples[0].size / MIB


@dataclass(frozen=True)
class Exported:
    """One format's exports: TaskFlow's and the floor's figures, and the peak traced memory
    of TaskFlow's, of the floor's, and of TaskFlow's of the project half the size."""

    ours: Figures
    floor: Figures
    peak_ours: float
    peak_floor: float
    peak_half: float


@contextmanager
def own_database() -> Iterator[str]:
    """A database of the bench's own, migrated to head; its psycopg URL. Dropped afterwards."""
    name = f"taskflow_bench_{uuid.uuid4().hex[:8]}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            migrate.upgrade(f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}")
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def add_user(conn: psycopg.Connection[Any], name: str) -> uuid.UUID:
    user = uuid.uuid4()
    conn.execute(_USER_SQL, (user, f"{name}@bench.example.com", name.title()))
    return user


@dataclass(frozen=True)
class Seeded:
    """The exporting owner, the project of `count` tasks with its comments, and a project of
    half as many tasks alike (to see whether an export's memory grows with the project)."""

    owner: uuid.UUID
    project: uuid.UUID
    half: uuid.UUID
    count: int
    comments: int


def seed_export(conn: psycopg.Connection[Any], count: int) -> Seeded:
    owner, colleague = add_user(conn, "owner"), add_user(conn, "colleague")
    projects = []
    for prefix, tasks in (("full", count), ("half", count // 2)):
        project = uuid.uuid4()
        conn.execute(_PROJECT_SQL, (project, f"Exported ({prefix})", owner))
        conn.execute(_MEMBER_SQL, (project, owner, "owner"))
        conn.execute(_MEMBER_SQL, (project, colleague, "editor"))
        params = {
            "prefix": prefix,
            "project": project,
            "owner": owner,
            "colleague": colleague,
            "start": START,
            "count": tasks,
        }
        conn.execute(_SEED_TASKS_SQL, params)
        conn.execute(_SEED_COMMENTS_SQL, params)
        projects.append(project)
    conn.execute("VACUUM ANALYZE tasks")
    conn.execute("VACUUM ANALYZE comments")
    said = conn.execute(
        "SELECT count(*) FROM comments JOIN tasks ON tasks.id = comments.task_id"
        " WHERE tasks.project_id = %s",
        (projects[0],),
    ).fetchone()
    return Seeded(owner, projects[0], projects[1], count, said[0] if said else 0)


def todoist_csv(count: int) -> tuple[bytes, int]:
    """A Todoist export of `count` top-level tasks, and how many notes it holds."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TODOIST_HEADER)
    writer.writerow(["meta", "view_style=list", *[""] * 10])
    notes = 0
    for n in range(count):
        labels = f" @bench @group-{n % 5}" if n % 2 == 0 else ""
        due = f"2027-{1 + n % 12:02d}-{1 + n % 28:02d}" if n % 4 == 0 else ""
        description = f"What task {n} is about, in a sentence or two." if n % 3 == 0 else ""
        writer.writerow(
            [
                "task",
                f"Imported task {n}{labels}",
                description,
                str(1 + n % 4),
                "1",
                _AUTHOR,
                "",
                due,
                "en",
                "Europe/Lisbon",
                "",
                "",
            ]
        )
        if n % 3 == 1:
            for k in range(1 + n % 2):
                notes += 1
                when = f"2026-11-{1 + k:02d}T09:30:00Z"
                text = f"Note {k} on task {n}: something said about it."
                writer.writerow(["note", text, "", "", "", _AUTHOR, "", when, "", "", "", ""])
    return out.getvalue().encode(), notes


def _plain(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


async def export_ours(rt: Runtime, user: uuid.UUID, project: uuid.UUID, fmt: ExportFormat) -> int:
    """Bytes of the project's export through the service, every chunk consumed."""
    export = await exports.export_project(rt, user, project, fmt)
    size = 0
    async for chunk in export.chunks:
        size += len(chunk)
    return size


def export_floor_json(conn: psycopg.Connection[Any], project: uuid.UUID) -> int:
    """Bytes of the same document from a server-side cursor and the json module."""
    size = 0
    header = {"format": "taskflow.project", "version": 1, "project": {"id": str(project)}}
    pending = bytearray(json.dumps(header).encode()[:-1] + b',"tasks":[\n')
    with conn.transaction(), conn.cursor(name="export", row_factory=dict_row) as cur:
        cur.itersize = FETCH
        cur.execute(_FLOOR_JSON_SQL, (project,))
        first = True
        for row in cur:
            encoded = json.dumps(row, default=_plain, ensure_ascii=False, separators=(",", ":"))
            pending += encoded.encode() if first else b",\n" + encoded.encode()
            first = False
            if len(pending) >= exports.CHUNK_BYTES:
                size += len(pending)
                pending.clear()
    return size + len(pending) + len(b"\n]}\n")


def export_floor_csv(conn: psycopg.Connection[Any], project: uuid.UUID) -> int:
    """Bytes of the same CSV, as PostgreSQL's COPY writes it."""
    size = 0
    statement = sql.SQL(_FLOOR_CSV_SQL).format(project=sql.Literal(project))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for block in copy:
            size += len(block)
    return size


async def import_ours(rt: Runtime, user: uuid.UUID, content: bytes) -> None:
    """Import the file as TaskFlow does, delivering each run request it records (its first
    and every hand-on) to run_import until the import is done."""
    queued, new = await imports.start_import(rt, user, "bench-todoist.csv", content, None)
    assert new, "each round imports as a new person"
    subject = str(queued.id)
    delivered: set[str] = set()
    while True:
        async with rt.engine.connect() as conn:
            status = await conn.scalar(
                select(project_imports.c.status).where(project_imports.c.id == queued.id)
            )
            if status == "done":
                return
            rows = (
                await conn.execute(
                    select(outbox)
                    .where(
                        outbox.c.event_type == types.PROJECT_IMPORT_REQUESTED,
                        outbox.c.subject == subject,
                    )
                    .order_by(outbox.c.id)
                )
            ).all()
        pending = [from_row(dict(row._mapping)) for row in rows]
        pending = [event for event in pending if event["id"] not in delivered]
        if not pending:
            raise RuntimeError(f"import {subject} is {status} with no run request left")
        for event in pending:
            await imports.run_import(rt, event)
            delivered.add(event["id"])


def import_floor(conn: psycopg.Connection[Any], user: uuid.UUID, content: bytes) -> None:
    """The same tasks and comments from the same file: csv module, one COPY each."""
    project, now = uuid.uuid4(), datetime.now(UTC)
    tasks: list[tuple[Any, ...]] = []
    said: list[tuple[Any, ...]] = []
    task_id: uuid.UUID | None = None
    for row in csv.DictReader(io.StringIO(content.decode())):
        if row["TYPE"] == "task":
            task_id = uuid.uuid4()
            content_cell = row["CONTENT"]
            labels = _LABEL.findall(content_cell)
            title = " ".join(_LABEL.sub("", content_cell).split())
            due = date.fromisoformat(row["DATE"]) if row["DATE"] else None
            tasks.append(
                (
                    task_id,
                    project,
                    title,
                    row["DESCRIPTION"],
                    "todo",
                    PRIORITIES[row["PRIORITY"]],
                    due,
                    Jsonb(labels),
                    user,
                    now,
                    now,
                )
            )
        elif row["TYPE"] == "note" and task_id is not None:
            when = datetime.fromisoformat(row["DATE"]) if row["DATE"] else now
            body = f"Imported comment by {row['AUTHOR']}:\n\n{row['CONTENT']}"
            said.append((uuid.uuid4(), task_id, user, body, when, when))
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_PROJECT_SQL, (project, "Imported (floor)", user))
        cur.execute(_MEMBER_SQL, (project, user, "owner"))
        with cur.copy(
            "COPY tasks (id, project_id, title, description, status, priority, due_date, labels,"
            " creator_id, created_at, updated_at) FROM STDIN"
        ) as copy:
            for values in tasks:
                copy.write_row(values)
        with cur.copy(
            "COPY comments (id, task_id, author_id, body, created_at, updated_at) FROM STDIN"
        ) as copy:
            for values in said:
                copy.write_row(values)


def timed(work: Callable[[], int | None], rows: int) -> Sample:
    """`work` timed; what it returns is the bytes it produced (None: none)."""
    began = time.perf_counter()
    size = work()
    return Sample(time.perf_counter() - began, rows, size or 0)


def alternate(
    rounds: int, ours: Callable[[], Sample], floor: Callable[[], Sample]
) -> tuple[Figures, Figures]:
    """Each subject `rounds` times after an untimed warm-up, the order alternating by round."""
    ours(), floor()
    timings: dict[bool, list[Sample]] = {True: [], False: []}
    for number in range(rounds):
        for taskflow in (True, False) if number % 2 == 0 else (False, True):
            timings[taskflow].append(ours() if taskflow else floor())
    return Figures(timings[True]), Figures(timings[False])


def peak_mib(work: Callable[[], Any]) -> float:
    """The peak of memory traced while `work` runs, above what was traced before it."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - before) / MIB


def runtime_for(url: str) -> Runtime:
    """Production settings on the bench's database, as the function processes get them."""
    return Runtime(
        Settings(
            env="prod",
            database_url=url.replace("postgresql://", "postgresql+psycopg://", 1),
            redis_url=REDIS_URL,
            jwt_private_key=new_private_key_pem().decode(),
        )
    )


@dataclass
class Bench:
    """The bench's runtime and loop (TaskFlow's side) and its psycopg connection (the floor's)."""

    rt: Runtime
    runner: asyncio.Runner
    conn: psycopg.Connection[Any]
    rounds: int
    people: int = 0

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(work)

    def person(self) -> uuid.UUID:
        self.people += 1
        return add_user(self.conn, f"importer-{self.people}")

    def exports(self, seeded: Seeded, fmt: ExportFormat) -> Exported:
        """Both exports of one format over the rounds, and each one's peak traced memory."""

        def ours(project: uuid.UUID = seeded.project) -> int:
            return self.run(export_ours(self.rt, seeded.owner, project, fmt))

        def floor() -> int:
            write = export_floor_csv if fmt == "csv" else export_floor_json
            return write(self.conn, seeded.project)

        count = seeded.count
        taskflow, least = alternate(
            self.rounds, lambda: timed(ours, count), lambda: timed(floor, count)
        )
        half = peak_mib(lambda: ours(seeded.half))
        return Exported(taskflow, least, peak_mib(ours), peak_mib(floor), half)

    def imports(self, content: bytes, count: int) -> tuple[Figures, Figures]:
        """Both imports of the file over the rounds, each run as a new person."""

        def ours() -> Sample:
            user = self.person()
            return timed(lambda: self.run(import_ours(self.rt, user, content)), count)

        def floor() -> Sample:
            user = self.person()
            return timed(lambda: import_floor(self.conn, user, content), count)

        return alternate(self.rounds, ours, floor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks of the exported project")
    parser.add_argument("--import-tasks", type=int, default=5_000, help="tasks of the import")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    exported: dict[str, Exported] = {}
    with (
        own_database() as url,
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        bench = Bench(runtime_for(url), runner, conn, args.rounds)
        try:
            began = time.perf_counter()
            seeded = seed_export(conn, args.tasks)
            print(
                f"seeded {args.tasks:,} + {args.tasks // 2:,} tasks "
                f"in {time.perf_counter() - began:.1f} s",
                flush=True,
            )
            formats: tuple[ExportFormat, ...] = ("json", "csv")
            for fmt in formats:
                exported[fmt] = bench.exports(seeded, fmt)
            content, notes = todoist_csv(args.import_tasks)
            imported = bench.imports(content, args.import_tasks)
        finally:
            bench.run(bench.rt.close())
    record(report(args, seeded.comments, exported, imported, notes, len(content)))


def report(
    args: argparse.Namespace,
    comments: int,
    exported: dict[str, Exported],
    imported: tuple[Figures, Figures],
    notes: int,
    file_size: int,
) -> list[Row]:
    """Print the table; the rows for bench.all."""
    print(
        f"\nexport of {args.tasks:,} tasks ({comments:,} comments); import of a "
        f"{file_size / MIB:.2f} MiB Todoist CSV of {args.import_tasks:,} tasks ({notes:,} "
        f"notes); median [range] of {args.rounds} alternating rounds\n"
    )
    half = f"{args.tasks // 2:,}"
    print(
        f"{'what':<15} {'TaskFlow':>24} {'floor':>24} {'ratio':>6} {'rows/s':>8} "
        f"{'floor rows/s':>12} {'MiB out':>13} {'peak MiB':>13} {'peak at ' + half:>14}"
    )
    rows = []
    for fmt, found in exported.items():
        ours, floor = found.ours, found.floor
        print(
            f"{'export ' + fmt.upper():<15} {_range(ours):>24} {_range(floor):>24} "
            f"{ours.median / floor.median:>5.2f}x {ours.rate:>8,.0f} {floor.rate:>12,.0f} "
            f"{f'{ours.mib:.2f} / {floor.mib:.2f}':>13} "
            f"{f'{found.peak_ours:.2f} / {found.peak_floor:.2f}':>13} {found.peak_half:>14.2f}"
        )
        what = f"export {fmt.upper()}, {args.tasks:,} tasks"
        rows += [
            Row(BENCH, what, "s", ours.median, floor.median),
            Row(BENCH, f"{what}, rows/s", "rows/s", ours.rate, floor.rate),
            Row(BENCH, f"{what}, MiB produced", "MiB", ours.mib, floor.mib),
            Row(BENCH, f"{what}, peak traced memory", "MiB", found.peak_ours, found.peak_floor),
            Row(
                BENCH,
                f"{what}, peak traced memory (floor: at {half})",
                "MiB",
                found.peak_ours,
                found.peak_half,
                "flat: about 1x",
            ),
        ]
    ours, floor = imported
    print(
        f"{'import Todoist':<15} {_range(ours):>24} {_range(floor):>24} "
        f"{ours.median / floor.median:>5.2f}x {ours.rate:>8,.0f} {floor.rate:>12,.0f}"
    )
    print(
        "\n(ratio: TaskFlow's median seconds over the floor's; MiB out and peak MiB: "
        "TaskFlow / floor, the peak traced by tracemalloc in one more, untimed, run; "
        f"peak at {half}: TaskFlow's exporting a project of {half} tasks)"
    )
    what = f"import Todoist CSV, {args.import_tasks:,} tasks"
    rows += [
        Row(BENCH, what, "s", ours.median, floor.median),
        Row(BENCH, f"{what}, tasks/s", "tasks/s", ours.rate, floor.rate),
    ]
    return rows


def _range(figures: Figures) -> str:
    return f"{figures.median:.3f} s [{figures.low:.3f}-{figures.high:.3f}]"


if __name__ == "__main__":
    main()
