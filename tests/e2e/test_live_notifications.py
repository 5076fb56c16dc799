"""Done means: A assigns a task to B, and it appears on B's open stream, without polling.

Run twice, as people run TaskFlow: `taskflow cluster` (a process per function, the relay, the
dispatcher and the gateway, on the real PostgreSQL, Redis and RabbitMQ) and `taskflow dev`
(one process, the in-process broker).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from functions.cluster import function_ports
from tests.e2e.conftest import BIN, Cluster, Servers, clean_environment, free_port
from tests.support import PASSWORD

ARRIVAL_DEADLINE_SECONDS = 30.0


def _register(client: httpx.Client, name: str) -> dict[str, str]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    response = client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": name}
    )
    assert response.status_code == 201, response.text
    client.cookies.clear()
    token = response.json()["access_token"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    return {"id": me["id"], "Authorization": f"Bearer {token}"}


def _auth(user: dict[str, str]) -> dict[str, str]:
    return {"Authorization": user["Authorization"]}


@contextmanager
def _stream(base_url: str, user: dict[str, str]) -> Iterator[queue.Queue[dict[str, Any]]]:
    """The user's live stream, read on a thread; yields once the server has answered."""
    arrived: queue.Queue[dict[str, Any]] = queue.Queue()
    opened = threading.Event()
    stop = threading.Event()

    def read() -> None:
        with (
            httpx.Client(base_url=base_url, timeout=httpx.Timeout(10, read=None)) as client,
            connect_sse(client, "GET", "/api/notifications/stream", headers=_auth(user)) as source,
        ):
            assert source.response.status_code == 200, source.response.read()
            opened.set()
            for event in source.iter_sse():
                if stop.is_set():
                    return
                if event.event == "notification":
                    arrived.put(json.loads(event.data))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert opened.wait(15), "the stream did not open"
    try:
        yield arrived
    finally:
        stop.set()


def _assign_and_receive(base_url: str, title: str) -> dict[str, Any]:
    """A assigns a new task to B; what B's open stream shows."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        ada, ben = _register(client, "Ada"), _register(client, "Ben")
        project = client.post("/api/projects", json={"name": "Launch"}, headers=_auth(ada))
        assert project.status_code == 201, project.text
        project_id = project.json()["id"]
        added = client.post(
            f"/api/projects/{project_id}/members",
            json={"user_id": ben["id"], "role": "editor"},
            headers=_auth(ada),
        )
        assert added.status_code == 201, added.text
        with _stream(base_url, ben) as arrived:
            created = client.post(
                "/api/tasks",
                json={"project_id": project_id, "title": title, "assignee_id": ben["id"]},
                headers=_auth(ada),
            )
            assert created.status_code == 201, created.text
            deadline = time.monotonic() + ARRIVAL_DEADLINE_SECONDS
            while time.monotonic() < deadline:
                try:
                    notification = arrived.get(timeout=deadline - time.monotonic())
                except queue.Empty:
                    break
                if notification["kind"] == "task.assigned":
                    assert notification["task_id"] == created.json()["id"]
                    unread = client.get("/api/notifications/unread-count", headers=_auth(ben))
                    assert unread.json()["unread"] >= 1
                    return notification
        pytest.fail("the assignment never reached B's stream")


def test_taskflow_dev_delivers_an_assignment_to_the_assignees_open_stream(
    servers: Servers, tmp_path: Path
) -> None:
    port = free_port()
    env = clean_environment(
        TASKFLOW_DATA_DIR=str(tmp_path / "data"), TASKFLOW_STREAM_HEARTBEAT_SECONDS="1"
    )
    server = servers.start("dev", [str(BIN / "taskflow"), "dev", "--port", str(port)], port, env)
    notification = _assign_and_receive(server.base_url, "Write the launch post")
    assert notification["message"] == "Ada assigned you “Write the launch post”"
    assert notification["read"] is False


def test_taskflow_cluster_delivers_through_rabbitmq_and_restarts_a_function_that_dies(
    cluster: Cluster,
) -> None:
    server, base_port = cluster.server, cluster.base_port
    earlier = len(server.output())  # the shared cluster's log before this test
    notification = _assign_and_receive(server.base_url, "Book the venue")
    assert notification["message"] == "Ada assigned you “Book the venue”"
    # One trace id follows the task from the HTTP request to the notification: the gateway,
    # create_task, the relay, the dispatcher and deliver_notification all log it.
    ours = server.output()[earlier:].splitlines()
    lines = [json.loads(line) for line in ours if line.startswith("{")]
    published = next(
        line
        for line in lines
        if line.get("message") == "event published"
        and line.get("event_type") == "com.taskflow.task.assigned"
    )
    trace = published["trace_id"]
    loggers = {line.get("logger") for line in lines if line.get("trace_id") == trace}
    functions = {line.get("function") for line in lines if line.get("trace_id") == trace}
    assert {"create_task", "deliver_notification"} <= functions, functions
    assert {"taskflow.relay", "taskflow.dispatch"} <= loggers, loggers

    # A function process killed outright is reported and forked again by the process that
    # forked it; the others never notice.
    pid = _function_pid(server.output(), "deliver_notification")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        restarted = _function_pid(server.output(), "deliver_notification")
        if restarted != pid and _answers(base_port, "deliver_notification"):
            break
        time.sleep(0.2)  # the polling interval
    else:
        pytest.fail(f"deliver_notification was not restarted:\n{server.output()[-3000:]}")
    exited = [
        line
        for line in _json_lines(server.output())
        if line.get("message") == "function exited" and line.get("pid") == pid
    ]
    assert [line["function"] for line in exited] == ["deliver_notification"]
    # And the pipeline still delivers.
    after = _assign_and_receive(server.base_url, "After the restart")
    assert after["message"] == "Ada assigned you “After the restart”"

    # Ctrl-C stops every process: no function is left answering on its port. (A later test
    # that needs the cluster gets a fresh one.)
    os.kill(server.process.pid, signal.SIGINT)
    server.process.wait(timeout=90)
    for target, function_port in function_ports(base_port).items():
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", function_port)) != 0, f"{target} still runs"


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _function_pid(output: str, target: str) -> int:
    """The process serving `target` now: the newest one `taskflow cluster` reported started."""
    started = [
        line["pid"]
        for line in _json_lines(output)
        if line.get("message") == "function started" and line.get("function") == target
    ]
    assert started, f"{target} was never started"
    pid: int = started[-1]
    return pid


def _answers(base_port: int, target: str) -> bool:
    try:
        url = f"http://127.0.0.1:{function_ports(base_port)[target]}/healthz"
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False
