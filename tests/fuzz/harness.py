"""What the fuzzers feed the CloudEvent codec and the edge, and what they accept back.

The fuzz tests (tests/unit/test_fuzz_*.py: a short run in `make check` and `make test`, a long
one in `make fuzz`) call these checks with the corpus, `tests/fuzz/corpus/<target>/`: real
inputs as they travel, one file each, mutated byte by byte.

* `http`: an HTTP header block, a blank line, the body (a binary or structured CloudEvent).
* `amqp`: the same layout for a RabbitMQ message: its headers, `content-type` standing for
  the message's content_type property, and the body.
* `edge/<function>`: a whole HTTP/1.1 request for that function. `{{token}}`, `{{refresh}}`,
  `{{user}}`, `{{project}}` and `{{task}}` are replaced by a live access token, refresh token
  and ids of the runtime the requests are answered by (tokens expire, ids are random).

The codec may only answer an event or `InvalidEvent`, and an event it reads must write out
again (binary HTTP, as the dispatcher posts it, and AMQP) and read back the same. A function
may only answer a success or a 4xx `application/problem+json`. Nothing may take a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import httpx
from cloudevents.http import CloudEvent
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response

from events.codec import InvalidEvent, binary_http, from_amqp, from_http_request, to_amqp

if TYPE_CHECKING:
    from functions.core.runtime import Runtime

CORPUS: Final = Path(__file__).resolve().parent / "corpus"
# Every input is handled within this, or the run fails.
TIME_LIMIT_SECONDS: Final = 1.0
PROBLEM_JSON: Final = "application/problem+json"


class TooSlow(AssertionError):
    pass


@dataclass(frozen=True)
class Message:
    """A header block and a body, as read from a corpus file (or from any bytes)."""

    start_line: str
    headers: list[tuple[str, str]]
    body: bytes

    def header_dict(self) -> dict[str, str]:
        return dict(self.headers)


def read_message(raw: bytes, *, start_line: bool = False) -> Message:
    """Any bytes as a message: never fails, so mutated files are inputs too."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        head, _, body = raw.partition(b"\n\n")
    lines = [line.rstrip(b"\r") for line in head.split(b"\n")] if head else []
    first = lines.pop(0).decode("latin-1") if start_line and lines else ""
    headers = []
    for line in lines:
        name, _, value = line.partition(b":")
        headers.append((name.strip().decode("latin-1"), value.strip().decode("latin-1")))
    return Message(first, headers, body)


def write_message(message: Message) -> bytes:
    lines = ([message.start_line] if message.start_line else []) + [
        f"{name}: {value}" for name, value in message.headers
    ]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + message.body


def corpus(target: str) -> list[tuple[str, bytes]]:
    folder = CORPUS / target
    return [(path.name, path.read_bytes()) for path in sorted(folder.iterdir()) if path.is_file()]


@contextmanager
def within_limit(
    what: Callable[[], str], record: Callable[[float], None] | None = None
) -> Iterator[None]:
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    if record is not None:
        record(elapsed)
    if elapsed > TIME_LIMIT_SECONDS:
        raise TooSlow(f"{elapsed:.3f} s (limit {TIME_LIMIT_SECONDS} s) for {what()}")


# The codec


def check_http(headers: Mapping[str, str], body: bytes) -> CloudEvent | None:
    """Read an HTTP CloudEvent: an event that writes out again, or InvalidEvent."""
    try:
        event = from_http_request(headers, body)
    except InvalidEvent:
        return None
    # Structured mode may type an extension as a JSON number or boolean, which has no
    # binary form of its own; only events with string attributes are forwarded as they are.
    if all(isinstance(value, str) for value in event.get_attributes().values()):
        check_rewrites(event)
    return event


def check_amqp(
    headers: Mapping[str, Any] | None, body: bytes, content_type: str | None
) -> CloudEvent | None:
    """Read a RabbitMQ message: an event that writes out again, or InvalidEvent."""
    try:
        event = from_amqp(headers, body, content_type)
    except InvalidEvent:
        return None
    check_rewrites(event)
    return event


def check_rewrites(event: CloudEvent) -> None:
    # The dispatcher posts every event it reads from RabbitMQ in binary mode with httpx.
    headers, body = binary_http(event)
    httpx.Request("POST", "http://subscriber.test/", headers=headers, content=body)
    _same(from_http_request(headers, body), event)
    message = to_amqp(event)
    _same(from_amqp(message.headers, message.body, message.content_type), event)


def _same(read: CloudEvent, event: CloudEvent) -> None:
    assert read.get_attributes() == event.get_attributes(), (read, event)
    assert read.get_data() == event.get_data(), (read.get_data(), event.get_data())


def amqp_parts(message: Message) -> tuple[dict[str, Any], bytes, str | None]:
    headers: dict[str, Any] = message.header_dict()
    content_type = headers.pop("content-type", None)
    return headers, message.body, content_type


# The edge


@dataclass(frozen=True)
class Request:
    target: str
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


def read_request(target: str, raw: bytes, substitutions: Mapping[str, str]) -> Request:
    for name, value in substitutions.items():
        raw = raw.replace(b"{{" + name.encode() + b"}}", value.encode())
    message = read_message(raw, start_line=True)
    method, _, rest = message.start_line.partition(" ")
    target_path = rest.rsplit(" HTTP/", 1)[0] if " HTTP/" in rest else rest
    # Clients percent-encode a request target; its raw bytes past ASCII are left to the
    # HTTP server, which refuses or passes them before any function runs.
    target_path = quote(target_path, safe="".join(map(chr, range(0x21, 0x7F))))
    path, _, query = target_path.partition("?")
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in message.headers
    ]
    return Request(target, method, path or "/", query.encode("latin-1"), headers, message.body)


def asgi_scope(request: Request) -> dict[str, Any]:
    from urllib.parse import unquote

    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote(request.path, encoding="utf-8", errors="surrogateescape"),
        "raw_path": request.path.encode("latin-1"),
        "query_string": request.query,
        "root_path": "",
        "headers": request.headers,
        "client": ("203.0.113.9", 41000),
        "server": ("function.test", 80),
    }


def check_answer(request: Request, status: int, media_type: str, body: bytes) -> None:
    """A success, or a 4xx problem whose body says the same status."""
    assert status < 500, f"{request.target} answered {status}: {body[:500]!r} to {request}"
    if status >= 400:
        assert media_type.split(";")[0] == PROBLEM_JSON, (status, media_type, request)
        assert json.loads(body)["status"] == status, (body, request)


class Edge:
    """The real functions, answering as a lone function process does (whatever the path),
    on the embedded runtime: a SQLite file, the in-process Redis stand-in, a generated key."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.substitutions: dict[str, str] = {}
        self.functions: dict[str, Callable[[StarletteRequest], Awaitable[Response]]] = {}

    @classmethod
    async def start(cls, data_dir: Path) -> Edge:
        from functions.core import migrate, runtime
        from functions.core.models.accounts import RegisterRequest
        from functions.core.models.projects import ProjectCreate
        from functions.core.models.tasks import TaskCreate
        from functions.core.services import accounts, projects, task_commands
        from tests.conftest import make_test_settings

        settings = make_test_settings(env="dev", data_dir=data_dir)
        migrate.upgrade(settings.effective_database_url)
        edge = cls(runtime.Runtime(settings))
        runtime.install(edge.rt)
        session = await accounts.register(
            edge.rt,
            RegisterRequest(
                email="fuzz@example.com", password="correct horse battery", display_name="Fuzz"
            ),
            "127.0.0.1",
        )
        # A second sign-in whose refresh token the fuzzed requests may rotate or reuse.
        spare = await accounts.register(
            edge.rt,
            RegisterRequest(
                email="spare@example.com", password="correct horse battery", display_name="Spare"
            ),
            "127.0.0.1",
        )
        project = await projects.create_project(
            edge.rt, session.user_id, ProjectCreate(name="Fuzzed")
        )
        task = await task_commands.create_task(
            edge.rt, session.user_id, TaskCreate(project_id=project.id, title="Fuzzed")
        )
        edge.substitutions = {
            "token": session.tokens.access_token,
            "refresh": spare.tokens.refresh_token,
            "user": str(session.user_id),
            "project": str(project.id),
            "task": str(task.id),
        }
        return edge

    async def close(self) -> None:
        await self.rt.close()

    def function(self, target: str) -> Callable[[StarletteRequest], Awaitable[Response]]:
        from functions.routes import load_target

        if target not in self.functions:
            self.functions[target] = load_target(target)
        return self.functions[target]

    async def check(
        self, target: str, raw: bytes, record: Callable[[float], None] | None = None
    ) -> int:
        """Answer one request (any bytes) with `target`: a success or a 4xx problem, in time."""
        request = read_request(target, raw, self.substitutions)
        function = self.function(target)
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}

        with within_limit(lambda: f"{target}: {raw[:300]!r}", record):
            response = await function(StarletteRequest(asgi_scope(request), receive))
        check_answer(
            request, response.status_code, response.headers.get("content-type", ""), response.body
        )
        return response.status_code
