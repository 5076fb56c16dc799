"""Running short of a resource: RabbitMQ's memory alarm, Redis gone, and fifty sign-ins at
once in one login process, against the memory its Knative Service may use.

`pytest -s` prints what each measured.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import httpx
import pytest
import yaml
from sqlalchemy import func, select, update

from events.transport.dispatch import Dispatcher
from events.transport.relay import AmqpPublisher, OutboxRelay
from events.transport.topology import AmqpLiveness, Topology, topology_for
from events.types import TASK_ASSIGNED
from functions.core.database import transaction
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.core.tables import outbox
from tests.conftest import REDIS_TEST_URL, RabbitQueues, eventually, pipeline_settings
from tests.faults.proxy import FaultProxy
from tests.integration.test_network_faults import _upstream, _via
from tests.integration.test_pipeline_faults import (
    NOTIFY,
    Post,
    Subscriber,
    Team,
    create_assigned_tasks,
    running,
    serving,
    settled_ledger,
)
from tests.support import PASSWORD, assert_problem, create_project, serve, share_project, signup

ROOT: Final = Path(__file__).resolve().parents[2]
LOGINS: Final = 50


@pytest.fixture
def settings(pg_settings: Settings, own_amqp_url: str) -> Settings:
    return pipeline_settings(
        pg_settings,
        own_amqp_url,
        notification_feed_size=1000,
        delivery_limit=50,
    )


@pytest.fixture
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    made = Runtime(settings)
    async with transaction(made.engine) as conn:  # other tests' rows are not this relay's
        await conn.execute(
            update(outbox).where(outbox.c.published_at.is_(None)).values(published_at=func.now())
        )
    yield made
    await made.close()


def parts(
    settings: Settings, rt: Runtime, subscriber: Subscriber
) -> tuple[OutboxRelay, Dispatcher]:
    assert settings.amqp_url is not None
    topology = topology_for(settings.delivery_limit)
    liveness = AmqpLiveness.from_settings(settings)
    relay = OutboxRelay(rt.engine, AmqpPublisher(settings.amqp_url, topology, liveness), settings)
    only = Topology((topology.queue(NOTIFY),))
    dispatcher = Dispatcher(
        settings, settings.amqp_url, urls={NOTIFY: subscriber.url}, topology=only
    )
    return relay, dispatcher


async def make_team(api: httpx.AsyncClient) -> Team:
    actor, assignee = await signup(api, "actor"), await signup(api, "assignee")
    project = await create_project(api, actor)
    await share_project(api, actor, project["id"], assignee)
    return Team(actor, assignee, project["id"])


async def unpublished(rt: Runtime) -> int:
    async with rt.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return int(count or 0)


# RabbitMQ's memory alarm.


def _rabbitmqctl(*args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout


def memory_watermark() -> list[str]:
    """The broker's watermark now, as `set_vm_memory_high_watermark` takes it back."""
    found = re.search(r"\{vm_memory_high_watermark,(.+?)\},?\n", _rabbitmqctl("environment"))
    assert found, "no vm_memory_high_watermark in `rabbitmqctl environment`"
    value = found.group(1).strip()
    absolute = re.fullmatch(r"\{absolute,\s*\"?([^}\"]+)\"?\}", value)
    return ["absolute", absolute.group(1)] if absolute else [value]


@contextmanager
def memory_alarm() -> Iterator[None]:
    """RabbitMQ past its memory watermark (it blocks every publishing connection), and its
    own watermark always set back."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail("a memory alarm blocks every publisher: mark this test `exclusive`")
    original = memory_watermark()
    try:
        _rabbitmqctl("set_vm_memory_high_watermark", "0.0000001")
        yield
    finally:
        _rabbitmqctl("set_vm_memory_high_watermark", *original)
    assert memory_watermark() == original


@pytest.mark.exclusive
async def test_under_a_memory_alarm_the_api_answers_the_relay_waits_and_nothing_is_lost(
    settings: Settings, rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    assert settings.amqp_url is not None
    async with serve(rt) as api, serving(Subscriber()) as subscriber:
        team = await make_team(api)
        relay, dispatcher = parts(settings, rt, subscriber)
        queues = RabbitQueues(settings.amqp_url)
        async with running(relay, dispatcher) as tasks:
            task_ids = await create_assigned_tasks(api, team, 1)
            await settled_ledger(api, team, task_ids, subscriber=subscriber, queues=queues)
            with memory_alarm():
                started = time.monotonic()
                during = await create_assigned_tasks(api, team, 20)  # each answered 201
                answered = time.monotonic() - started
                await asyncio.sleep(3)
                waiting = await unpublished(rt)
                assert not any(t.done() for t in tasks), "the relay and dispatcher kept running"
            cleared = time.monotonic()
            task_ids += during
            found = await settled_ledger(api, team, task_ids, subscriber=subscriber, queues=queues)
            drained = time.monotonic() - cleared
    reconnects = sum("cannot publish the outbox now" in r.getMessage() for r in caplog.records)
    print(
        f"\nmemory alarm: 20 tasks created in {answered:.2f} s, {waiting} events waiting in "
        f"the outbox, {reconnects} relay reconnects; all delivered {drained:.2f} s after it "
        f"cleared; {found}"
    )
    assert waiting == 2 * len(during)  # created and assigned: nothing got out meanwhile
    assert reconnects == 0  # it waited on its blocked connection, no crash, no loop
    assert found.lost == 0
    assert found.duplicated == 0
    assert await unpublished(rt) == 0


# Redis gone.


@pytest.fixture
async def redis_proxy() -> AsyncIterator[FaultProxy]:
    async with FaultProxy(*_upstream(REDIS_TEST_URL)) as proxy:
        yield proxy


async def test_without_redis_notifications_are_retried_not_acknowledged_then_delivered_once(
    settings: Settings, rt: Runtime, redis_proxy: FaultProxy
) -> None:
    assert settings.amqp_url is not None
    gone = Runtime(
        settings.model_copy(update={"redis_url": _via(REDIS_TEST_URL, redis_proxy.port)})
    )
    try:
        async with serve(rt) as api:
            team = await make_team(api)
            task_ids = await create_assigned_tasks(api, team, 3)  # their events wait: no relay yet
            redis_proxy.reset()  # every connection to Redis refused
            # deliver_notification reaches the runtime installed last: Redis through the proxy.
            async with serve(gone), serving(Subscriber()) as subscriber:
                login = await api.post(
                    "/api/auth/login", json={"email": team.actor.email, "password": PASSWORD}
                )
                relay, dispatcher = parts(settings, rt, subscriber)
                queues = RabbitQueues(settings.amqp_url)
                async with running(relay, dispatcher):

                    def assignments() -> list[Post]:
                        return [p for p in subscriber.posts if p.event_type == TASK_ASSIGNED]

                    def retried() -> bool:
                        # Each assignment (a notification to store in Redis) refused, twice.
                        ids = {p.event_id for p in assignments()}
                        return len(ids) == len(task_ids) and all(
                            len(subscriber.statuses(i)) >= 2 for i in ids
                        )

                    await eventually(retried, what="each assignment answered and retried")
                    refused = {p.status for p in assignments()}
                    redis_proxy.heal()
                    found = await settled_ledger(
                        api, team, task_ids, subscriber=subscriber, queues=queues
                    )
    finally:
        await gone.close()
    print(f"\nRedis gone: deliveries answered {sorted(refused)}, retried; then {found}")
    assert_problem(login, 503)  # the limiter cannot count: no sign-in (fails closed)
    assert refused == {503}
    assert found.lost == 0
    assert found.duplicated == 0


# Fifty sign-ins at once.


def declared_memory_mib(manifest: Path, service: str = "login") -> dict[str, int]:
    """The memory limit of the login Service, in the base manifests and each overlay."""
    limits = {}
    base = yaml.safe_load(manifest.read_text())
    limits["base"] = _mib(
        base["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    )
    for overlay in sorted((ROOT / "knative" / "overlays").iterdir()):
        text = (overlay / "kustomization.yaml").read_text()
        for document in yaml.safe_load(text).get("patches", []):
            target = document.get("target", {})
            applies = target.get("name") == service or (
                target.get("kind") == "Service"
                and "component=function" in target.get("labelSelector", "")
            )
            for op in yaml.safe_load(document["patch"]) if applies else []:
                if op.get("path", "").endswith("/resources"):
                    limits[overlay.name] = _mib(op["value"]["limits"]["memory"])
    return limits


def _mib(quantity: str) -> int:
    units = {"Mi": 1, "Gi": 1024}
    return int(quantity[:-2]) * units[quantity[-2:]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def login_process(port: int, environment: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m functions.serve --target login`, as the image runs it; stopped at the end."""
    command = [sys.executable, "-m", "functions.serve", "--target", "login"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_rss_mib(pid: int) -> float:
    """The process's largest resident set so far (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert found
    return int(found.group(1)) / 1024


async def test_fifty_logins_at_once_stay_within_the_login_services_memory_limit(
    pg_settings: Settings, tmp_path: Path
) -> None:
    limits = declared_memory_mib(ROOT / "knative" / "base" / "functions" / "login.yaml")
    # The default argon2 profile (the tests' cheap one would prove nothing) for the account.
    real = Runtime(
        pg_settings.model_copy(update={"argon2_time_cost": 2, "argon2_memory_kib": 19 * 1024})
    )
    try:
        async with serve(real) as api:
            user = await signup(api, "crowd")
    finally:
        await real.close()
    port = _free_port()
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TASKFLOW_", "FUNCTION_"))
    }
    environment.update(
        TASKFLOW_ENV="test",
        TASKFLOW_LOG_LEVEL="WARNING",
        TASKFLOW_DATA_DIR=str(tmp_path),
        TASKFLOW_DATABASE_URL=str(pg_settings.database_url),
        TASKFLOW_REDIS_URL=str(pg_settings.redis_url),
        TASKFLOW_REDIS_PREFIX=f"{pg_settings.redis_prefix}crowd:",
        TASKFLOW_JWT_PRIVATE_KEY=str(pg_settings.jwt_private_key),
        # Budgets these fifty would otherwise spend: every one of them must hash.
        TASKFLOW_LOGIN_LIMIT_PER_ACCOUNT="1000",
        TASKFLOW_LOGIN_LIMIT_PER_ADDRESS="1000",
    )
    base = f"http://127.0.0.1:{port}"
    with login_process(port, environment) as process:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, within=30, what="the login function answering")
            idle = peak_rss_mib(process.pid)
            started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
                    for _ in range(LOGINS)
                )
            )
            took = time.monotonic() - started
            peak = peak_rss_mib(process.pid)
    print(
        f"\n{LOGINS} logins at once: {took:.2f} s, peak RSS {peak:.0f} MiB "
        f"(idle {idle:.0f} MiB); declared limits {limits}"
    )
    assert [a.status_code for a in answers] == [200] * LOGINS
    assert peak < min(limits.values())
