"""From a change's 2xx to its arrival on another member's open stream, over the whole pipeline.

`python -m bench.notify_latency [--mode cluster|dev] [--events 200]` starts TaskFlow (by default
`taskflow cluster`: a process per function, the relay, the dispatcher and the gateway on the
real PostgreSQL, Redis and RabbitMQ, with a database, key prefix and vhost of its own; `dev`
is `taskflow dev`, one process with the in-process broker) and, with Ben's stream open:

- notifications: Ada assigns Ben one task at a time; each is timed from the create's 201 to
  the `task.assigned` notification on Ben's stream;
- team changes: Ada edits one task at a time (alternately its title and its status); each
  is timed from the PATCH's 200 to the `change` carrying that version on Ben's stream.

The floor, measured in the same run on the same broker: one persistent message published to
RabbitMQ and consumed (pika), which every event crosses once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import secrets
import statistics
import threading
import time
import uuid
from typing import Any

import httpx
import pika
from httpx_sse import connect_sse

from bench.results import Row, record
from bench.stack import BIN, Process, Stack, free_port, rabbitmq_vhost, start, wait_for_ok
from functions.cluster import function_ports

PASSWORD = "a benchmark password"


def _register(api: httpx.Client, name: str) -> dict[str, str]:
    email = f"{name.lower()}-{secrets.token_hex(4)}@example.com"
    answer = api.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": name}
    )
    answer.raise_for_status()
    api.cookies.clear()
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    return {"id": api.get("/api/auth/me", headers=headers).json()["id"], **headers}


def _read_stream(base_url: str, headers: dict[str, str], arrivals: queue.Queue[Any]) -> None:
    # The server stops at the end of the run, cutting the stream.
    with contextlib.suppress(httpx.TransportError):
        _follow(base_url, headers, arrivals)


def _follow(base_url: str, headers: dict[str, str], arrivals: queue.Queue[Any]) -> None:
    with (
        httpx.Client(base_url=base_url, timeout=httpx.Timeout(10, read=None)) as client,
        connect_sse(client, "GET", "/api/notifications/stream", headers=headers) as source,
    ):
        arrivals.put(("open", time.perf_counter()))
        for event in source.iter_sse():
            if event.event in ("notification", "change"):
                arrivals.put(((event.event, json.loads(event.data)), time.perf_counter()))


def pipeline_latencies(base_url: str, events: int) -> dict[str, list[float]]:
    """Per kind (notification, team change), each one's 2xx -> arrival on Ben's stream, ms."""
    with httpx.Client(base_url=base_url, timeout=30) as api:
        ada, ben = _register(api, "Ada"), _register(api, "Ben")
        ada_auth = {"Authorization": ada["Authorization"]}
        project = api.post("/api/projects", json={"name": "Latency"}, headers=ada_auth).json()
        api.post(
            f"/api/projects/{project['id']}/members",
            json={"user_id": ben["id"], "role": "editor"},
            headers=ada_auth,
        ).raise_for_status()
        arrivals: queue.Queue[Any] = queue.Queue()
        ben_auth = {"Authorization": ben["Authorization"]}
        threading.Thread(
            target=_read_stream, args=(base_url, ben_auth, arrivals), daemon=True
        ).start()
        assert arrivals.get(timeout=30)[0] == "open"
        notified = []
        for number in range(events):
            created = api.post(
                "/api/tasks",
                json={"project_id": project["id"], "title": f"T{number}", "assignee_id": ben["id"]},
                headers=ada_auth,
            )
            answered = time.perf_counter()
            created.raise_for_status()
            task_id = created.json()["id"]
            while True:
                (kind, data), arrived = arrivals.get(timeout=30)
                if (kind, data.get("kind"), data.get("task_id")) == (
                    "notification",
                    "task.assigned",
                    task_id,
                ):
                    notified.append((arrived - answered) * 1000)
                    break
        changed = []
        for number in range(events):
            edit = {"title": f"Edit {number}"} if number % 2 else {"status": _STATUSES[number % 4]}
            patched = api.patch(f"/api/tasks/{task_id}", json=edit, headers=ada_auth)
            answered = time.perf_counter()
            patched.raise_for_status()
            version = patched.json()["version"]
            while True:
                (kind, data), arrived = arrivals.get(timeout=30)
                task = data.get("data", {}).get("task", {}) if kind == "change" else {}
                if (task.get("id"), task.get("version")) == (task_id, version):
                    changed.append((arrived - answered) * 1000)
                    break
        return {"notification": notified, "team change": changed}


# Every other edit moves the task: to each of these in turn (never the status it has).
_STATUSES = ("in_progress", "todo", "review", "todo")


def broker_floor(amqp_url: str, messages: int) -> list[float]:
    """Publish one persistent message and consume it, one at a time."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    queue_name = f"floor-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue_name, exclusive=True)
    samples = []
    body = b"x" * 500
    for _ in range(messages):
        began = time.perf_counter()
        channel.basic_publish(
            "", queue_name, body, pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
        )
        for method, _properties, _body in channel.consume(queue_name, inactivity_timeout=5):
            assert method is not None
            channel.basic_ack(method.delivery_tag)
            break
        samples.append((time.perf_counter() - began) * 1000)
    channel.cancel()
    connection.close()
    return samples


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["cluster", "dev"], default="cluster")
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    with rabbitmq_vhost() as amqp_url, Stack(tasks=0) as stack:
        env = {**stack.env(), "TASKFLOW_AMQP_URL": amqp_url, "TASKFLOW_LOG_LEVEL": "WARNING"}
        port = free_port()
        if args.mode == "cluster":
            base_port = free_port() + 1000
            command = [str(BIN / "taskflow"), "cluster", "--port", str(port)]
            command += ["--base-port", str(base_port)]
        else:
            env.pop("TASKFLOW_AMQP_URL")
            command = [str(BIN / "taskflow"), "dev", "--port", str(port)]
        server = start(command, port, env, stack.workdir / f"{args.mode}.log")
        try:
            wait_for_ok(server, "/healthz")
            if args.mode == "cluster":
                for function_port in function_ports(base_port).values():
                    url = f"http://127.0.0.1:{function_port}"
                    probe = Process(server.popen, server.log, url)
                    wait_for_ok(probe, "/healthz")
            measured = pipeline_latencies(server.base_url, args.events)
        finally:
            # supervisord stops some forty processes; killed early, it would orphan them.
            server.stop(timeout=90)
        floor = broker_floor(amqp_url, args.events)
    floor_median, floor_p99 = statistics.median(floor), _p99(floor)
    print(f"2xx -> event on another member's stream, {args.mode}, {args.events} of each")
    print(f"{'':34}{'median ms':>10}{'p99 ms':>10}{'x floor':>9}")
    rows = []
    for kind, samples in measured.items():
        median, p99 = statistics.median(samples), _p99(samples)
        print(f"{'TaskFlow ' + kind:34}{median:10.2f}{p99:10.2f}{median / floor_median:9.1f}")
        target = "median < 50 ms" if kind == "team change" else ""
        what = f"{kind}: 2xx -> another member's stream"
        bench = f"notify_latency {args.mode}"
        rows.append(Row(bench, f"{what}, median", "ms", median, floor_median, target))
        rows.append(Row(bench, f"{what}, p99", "ms", p99, floor_p99))
    record(rows)
    print(f"{'floor: RabbitMQ publish->consume':34}{floor_median:10.2f}{floor_p99:10.2f}{1.0:9.1f}")


if __name__ == "__main__":
    main()
