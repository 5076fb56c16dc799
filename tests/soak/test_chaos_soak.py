"""Chaos soak with a ledger: four members work a project through `taskflow cluster` on this
machine's real servers while faults are injected one at a time (RabbitMQ, PostgreSQL and Redis
restarted, PostgreSQL's sessions ended, the relay, the dispatcher and event functions killed).
Once the system has settled (the outbox published, every queue empty), each operation's traces
are looked for (tests.soak.ledger).

Pass: nothing lost, unexpected or duplicated, and requests fail only inside fault windows.

`make test` runs it for SOAK_SECONDS=60; `make soak` for 600. The ledger's counts are printed
and written to `soak-report.json` in the test's temporary folder (its path is printed).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from events.transport.topology import DEAD_SUFFIX
from functions.core import migrate
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    REDIS_TEST_URL,
    amqp_url_for,
    own_database,
    own_vhost,
)
from tests.processes import Servers as Processes
from tests.processes import SharedCluster, clean_environment
from tests.soak import chaos
from tests.soak.ledger import Report, Trace, check
from tests.soak.workload import REQUEST_TIMEOUT_SECONDS, Team, Worker, sign_up, traces_seen

pytestmark = pytest.mark.exclusive

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
SOAK_SEED = int(os.environ.get("SOAK_SEED", str(random.SystemRandom().randrange(10**6))))
# `none` runs the workload and the checker without faults (to tell the two apart).
SOAK_FAULTS = os.environ.get("SOAK_FAULTS", "all")
MEMBERS = 4
SETTLE_SECONDS = 180.0


@pytest.fixture
def soak_database(run_id: str) -> Iterator[tuple[str, str]]:
    """A database of the soak's own: its outbox is read by its own relay only."""
    name = f"taskflow_soak_{run_id}"
    with own_database(name) as url:
        migrate.upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
        yield name, url


# What the faults need that this machine lacks (nothing, where `.ci/run` runs, as root).
MISSING_FOR_FAULTS = chaos.missing_tools() if SOAK_FAULTS != "none" else []


@pytest.mark.skipif(
    bool(MISSING_FOR_FAULTS), reason=f"the soak's faults need {', '.join(MISSING_FOR_FAULTS)}"
)
def test_nothing_is_lost_duplicated_or_unexpected_under_chaos(
    soak_database: tuple[str, str],
    run_id: str,
    signing_key_pem: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    database, postgres_url = soak_database
    logs = tmp_path_factory.mktemp("soak")
    processes = Processes(logs)
    with own_vhost(f"taskflow_soak_{run_id}") as vhost:
        env = clean_environment(
            TASKFLOW_ENV="test",
            TASKFLOW_DATABASE_URL=postgres_url.replace("postgresql://", "postgresql+psycopg://"),
            TASKFLOW_REDIS_URL=REDIS_TEST_URL,
            TASKFLOW_REDIS_PREFIX=f"taskflow-soak-{run_id}:",
            TASKFLOW_AMQP_URL=amqp_url_for(vhost),
            TASKFLOW_JWT_PRIVATE_KEY=signing_key_pem,
            TASKFLOW_ARGON2_TIME_COST="1",
            TASKFLOW_ARGON2_MEMORY_KIB="8192",
            # Every notice of the run stays in its feed, to be counted.
            TASKFLOW_NOTIFICATION_FEED_SIZE="10000",
            TASKFLOW_STREAM_HEARTBEAT_SECONDS="1",
        )
        try:
            cluster = SharedCluster(processes, tmp_path_factory, env).get()
            servers = chaos.Servers(POSTGRES_ADMIN_URL, database, REDIS_TEST_URL)
            target = chaos.Cluster(cluster.config, cluster.server.output)
            report = asyncio.run(
                _soak(cluster.server.base_url, servers, target, postgres_url, vhost)
            )
        finally:
            processes.stop_all()
    path = logs / "soak-report.json"
    path.write_text(json.dumps(report.as_json(), indent=2))
    print(f"\nsoak: {SOAK_SECONDS:g} s, seed {SOAK_SEED}, report {path}\n{report.summary()}")
    assert report.passed, f"seed {SOAK_SEED}\n{report.summary()}"


async def _soak(
    base_url: str, servers: chaos.Servers, cluster: chaos.Cluster, postgres_url: str, vhost: str
) -> Report:
    rng = random.Random(SOAK_SEED)
    timeout = httpx.Timeout(REQUEST_TIMEOUT_SECONDS)
    limits = httpx.Limits(max_connections=MEMBERS * 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        team = await sign_up(client, MEMBERS)
        loop = chaos.ChaosLoop(
            chaos.faults(servers, cluster, rng) if SOAK_FAULTS != "none" else {}, rng
        )
        until = time.monotonic() + SOAK_SECONDS
        if loop.faults:
            loop.start()
        try:
            workers = [
                Worker(team, member, client, rng.randrange(10**9)) for member in team.members
            ]
            await asyncio.gather(*(worker.run(until) for worker in workers))
        finally:
            await asyncio.to_thread(loop.stop)
        assert not loop.errors, f"faults that could not be injected: {loop.errors}"
        dead = await _settled(postgres_url, vhost)
        seen = await _read_back(client, team)
    report = check(team.ledger, seen, loop.windows)
    report.dead_lettered.update(dead)
    return report


async def _read_back(client: httpx.AsyncClient, team: Team) -> Counter[tuple[str, Trace]]:
    # Reading back is not under test: retried while the last fault's effects wear off.
    for attempt in range(5):
        try:
            return await traces_seen(client, team)
        except (httpx.HTTPStatusError, httpx.TransportError):
            if attempt == 4:
                raise
            await asyncio.sleep(2)  # before trying the read again
    raise AssertionError("unreachable")


async def _settled(postgres_url: str, vhost: str) -> dict[str, int]:
    """Wait until every event is published and consumed: the outbox has nothing unpublished
    and the subscribers' queues hold no message, three checks in a row. What the dead queues
    hold then (events given up on) is returned."""
    deadline = time.monotonic() + SETTLE_SECONDS
    quiet = 0
    last = ""
    while True:
        if time.monotonic() > deadline:
            pytest.fail(f"the system did not settle within {SETTLE_SECONDS:g} s: {last}")
        unpublished, queued = await asyncio.to_thread(_backlog, postgres_url, vhost)
        waiting = {name: n for name, n in queued.items() if not name.endswith(DEAD_SUFFIX)}
        last = f"{unpublished} unpublished, queues {waiting}"
        quiet = quiet + 1 if unpublished == 0 and not waiting else 0
        if quiet == 3:
            return {name: n for name, n in queued.items() if name.endswith(DEAD_SUFFIX)}
        await asyncio.sleep(1)  # between looks at the backlog


def _backlog(postgres_url: str, vhost: str) -> tuple[int, dict[str, int]]:
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "--no-table-headers", "name", "messages"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split("\n")
    queued = {}
    for line in listed:
        parts = line.split()
        if len(parts) == 2 and parts[1] != "0":
            queued[parts[0]] = int(parts[1])
    return (row[0] if row else 0), queued
