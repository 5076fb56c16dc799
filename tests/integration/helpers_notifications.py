"""What the notification settings tests share: the functions over HTTP, events, a receiver."""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import uvicorn
from cloudevents.http import CloudEvent
from httpx import ASGITransport, AsyncClient, Response
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import Route as StarletteRoute

from events import types
from events.codec import binary_http, new_event, structured_http
from events.models import TaskAssigned, TaskCreated, TaskSnapshot
from functions.core import runtime
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.routes import EVENT, ROUTES, load_target
from tests.support import User


@asynccontextmanager
async def sinks(rt: Runtime) -> AsyncIterator[AsyncClient]:
    """The event-triggered functions at their paths, as the dispatcher (or a Knative
    Trigger) reaches them; the gateway mounts only the public routes."""
    app = Starlette(
        routes=[
            StarletteRoute(r.path, load_target(r.target), methods=[r.method])
            for r in ROUTES
            if r.trigger == EVENT
        ]
    )
    previous = runtime.install(rt)
    try:
        async with AsyncClient(
            transport=ASGITransport(app=app), base_url="http://functions.internal"
        ) as client:
            yield client
    finally:
        runtime.install(previous)


def settings_like(settings: Settings, **changes: Any) -> Settings:
    """The same servers and keys with other settings (say, the dev mode)."""
    return settings.model_copy(update=changes)


def created_event(
    project_id: str | uuid.UUID, actor: User, title: str = "Book the venue"
) -> CloudEvent:
    """`actor` created an unassigned task: a notice for every other member."""
    task = _task(project_id, actor, None, title)
    return _event(types.TASK_CREATED, TaskCreated(task=task), task, actor)


def assigned_event(
    project_id: str | uuid.UUID,
    actor: User,
    assignee: User,
    title: str = "Write the launch plan",
) -> CloudEvent:
    """`actor` assigned a new task to `assignee`: a notice for the assignee alone."""
    task = _task(project_id, actor, assignee, title)
    data = TaskAssigned(task=task, previous_assignee_id=None)
    return _event(types.TASK_ASSIGNED, data, task, actor)


def _task(
    project_id: str | uuid.UUID, creator: User, assignee: User | None, title: str
) -> TaskSnapshot:
    return TaskSnapshot(
        id=uuid.uuid4(),
        project_id=uuid.UUID(str(project_id)),
        title=title,
        status="todo",
        priority="medium",
        assignee_id=assignee.id if assignee else None,
        creator_id=creator.id,
        due_at=None,
        labels=[],
        version=1,
    )


def _event(event_type: str, data: BaseModel, task: TaskSnapshot, actor: User) -> CloudEvent:
    return new_event(
        event_type,
        data,
        source=types.source_of("tasks"),
        subject=str(task.id),
        project_id=task.project_id,
        actor_id=actor.id,
    )


async def deliver(
    client: AsyncClient,
    path: str,
    event: CloudEvent,
    mode: Literal["binary", "structured"] = "binary",
) -> Response:
    """POST `event` to a sink as the dispatcher (or a Knative Trigger) would."""
    headers, body = binary_http(event) if mode == "binary" else structured_http(event)
    return await client.post(path, headers=headers, content=body)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A real HTTP server on 127.0.0.1 that answers each path as the test scripts it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._answers: dict[str, deque[Answer]] = {}
        self.base_url = ""

    def hook(self, *answers: Answer) -> str:
        """A new URL answering `answers` in turn, then 200 for ever."""
        path = f"/hooks/{secrets.token_hex(6)}"
        self._answers[path] = deque(answers)
        return self.base_url + path

    def at(self, url: str) -> list[Received]:
        path = url.removeprefix(self.base_url)
        return [r for r in self.received if r.path == path]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.received.append(Received(scope["path"], headers, body))
        queue = self._answers.get(scope["path"])
        answer = queue.popleft() if queue else Answer()
        if answer.delay:
            # Slow to answer, but gone as soon as the caller hangs up (it timed out).
            try:
                async with asyncio.timeout(answer.delay):
                    if (await receive())["type"] == "http.disconnect":
                        return
            except TimeoutError:
                pass
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.encode(), v.encode()) for k, v in answer.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def running_receiver(tls: tuple[Path, Path, str] | None = None) -> Iterator[Receiver]:
    """A Receiver served by uvicorn in a background thread, on 127.0.0.1 and a port of its own.

    With `tls` (certificate file, key file, the name the certificate is for), it serves
    https and its URLs name that host, which need not resolve anywhere.
    """
    receiver = Receiver()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    receiver.base_url = f"https://{tls[2]}:{port}" if tls else f"http://127.0.0.1:{port}"
    config = uvicorn.Config(
        receiver,
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
        lifespan="off",
        ws="none",
        http="h11",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    assert server.started, "the receiver did not start"
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()
