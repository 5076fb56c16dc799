"""What the subtask counts' triggers (migration 0009) cost a write to one task.

    python -m bench.subtask_triggers [--writes 400] [--rounds 10]

On a throwaway database migrated to head, the same single-row status UPDATEs (autocommit, as
a request's transaction commits one change) run with the three subtask triggers enabled and
disabled, in alternating rounds, for a subtask (its parent's counts change too) and for a task
without a parent. The floor is the same statement with those triggers disabled (the task
counts' triggers of 0006 stay on in both).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Final

import psycopg

from bench.results import Row, record
from bench.stack import ADMIN_URL
from functions.core import migrate

TRIGGERS: Final = ("task_subtasks_inserted", "task_subtasks_updated", "task_subtasks_deleted")
SUBTASKS: Final = 200
_INSERT: Final = (
    "INSERT INTO tasks (id, project_id, title, status, priority, labels, created_at, updated_at,"
    " parent_id) VALUES (%s, %s, 't', 'todo', 'medium', '[]', now(), now(), %s)"
)


def _seed(conn: psycopg.Connection) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A project with one parent task and its subtasks."""
    user, project, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    conn.execute(
        "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)"
        " VALUES (%s, 'bench@example.com', 'Bench', 'x', now(), now())",
        (user,),
    )
    conn.execute(
        "INSERT INTO projects (id, name, owner_id, created_at, updated_at)"
        " VALUES (%s, 'Bench', %s, now(), now())",
        (project, user),
    )
    conn.execute(_INSERT, (parent, project, None))
    subtasks = [uuid.uuid4() for _ in range(SUBTASKS)]
    for subtask in subtasks:
        conn.execute(_INSERT, (subtask, project, parent))
    return parent, subtasks


def _microseconds_per_write(conn: psycopg.Connection, ids: list[uuid.UUID], writes: int) -> float:
    start = time.perf_counter()
    for k in range(writes):
        status = "done" if k % 2 == 0 else "todo"
        conn.execute("UPDATE tasks SET status = %s WHERE id = %s", (status, ids[k % len(ids)]))
    return (time.perf_counter() - start) / writes * 1e6


def _compare(
    conn: psycopg.Connection, ids: list[uuid.UUID], writes: int, rounds: int
) -> tuple[float, float]:
    """Median µs per write with the triggers on, and off; the order alternates by round."""
    timings: dict[bool, list[float]] = {True: [], False: []}
    for number in range(rounds):
        for enabled in (True, False) if number % 2 == 0 else (False, True):
            for trigger in TRIGGERS:
                action = "ENABLE" if enabled else "DISABLE"
                conn.execute(f"ALTER TABLE tasks {action} TRIGGER {trigger}")
            timings[enabled].append(_microseconds_per_write(conn, ids, writes))
    return statistics.median(timings[True]), statistics.median(timings[False])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    database = f"taskflow_bench_{uuid.uuid4().hex[:8]}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
        try:
            migrate.upgrade(
                f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{database}"
            )
            with psycopg.connect(f"{base}/{database}", autocommit=True) as conn:
                parent, subtasks = _seed(conn)
                subtask = _compare(conn, subtasks, args.writes, args.rounds)
                top = _compare(conn, [parent], args.writes, args.rounds)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    rows = [
        Row("subtask_triggers", "status UPDATE of a subtask", "µs", *subtask),
        Row("subtask_triggers", "status UPDATE of a task without a parent", "µs", *top),
    ]
    for row in rows:
        print(
            f"{row.what:<44} {row.taskflow:>7.0f} µs, triggers off {row.floor:>7.0f} µs, "
            f"ratio {row.ratio:.2f}"
        )
    record(rows)


if __name__ == "__main__":
    main()
