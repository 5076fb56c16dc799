"""The generated nginx gateway: nginx accepts it as compose and Knative fill it in, and a real
nginx in front of `taskflow cluster` answers every request as the FastAPI gateway does."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.cluster import function_ports
from functions.core.settings import Settings
from functions.deploy import nginx
from functions.edge.redaction import SECRET_ROUTES
from functions.edge.security_headers import SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY
from functions.routes import ROUTES
from tests.deploy.conftest import (
    NGINX,
    NameServer,
    compose_gateway_environment,
    knative_gateway_environment,
    main_config,
    nginx_test,
    substitute,
)
from tests.e2e.conftest import BIN, ROOT, Cluster, Servers, clean_environment, free_port
from tests.support import PASSWORD

TEMPLATE = ROOT / nginx.TEMPLATE_PATH
MAX_BODY = int(Settings.model_fields["max_body_bytes"].default)
HEARTBEAT_DEADLINE_SECONDS = 10.0
SECURITY_HEADER_NAMES = [name for name, _ in SECURITY_HEADERS]


def test_the_committed_template_is_what_the_route_table_renders() -> None:
    assert TEMPLATE.read_text() == nginx.files()[nginx.TEMPLATE_PATH]


def test_nginx_accepts_the_template_as_compose_fills_it_in(tmp_path: Path) -> None:
    values = compose_gateway_environment()
    config = main_config(tmp_path, substitute(TEMPLATE.read_text(), values))
    checked = nginx_test(config)
    assert checked.returncode == 0, checked.stderr
    assert "proxy_pass http://$taskflow_upstream;" in (tmp_path / "default.conf").read_text()
    assert 'list-tasks "list-tasks:8080";' in (tmp_path / "default.conf").read_text()


def test_nginx_accepts_the_template_as_the_knative_deployment_fills_it_in(tmp_path: Path) -> None:
    values = knative_gateway_environment()
    resolver_host, _, resolver_options = values[nginx.RESOLVER].partition(" ")
    if not re.fullmatch(r"[\d.]+", resolver_host):
        # nginx resolves a resolver given by name at start: the cluster's DNS is not here.
        values[nginx.RESOLVER] = f"127.0.0.1 {resolver_options}".strip()
    rendered = substitute(TEMPLATE.read_text(), values)
    checked = nginx_test(main_config(tmp_path, rendered))
    assert checked.returncode == 0, checked.stderr
    # Knative's ingress routes by Host: each function is asked for by its full name.
    suffix = values[nginx.SERVICE_SUFFIX]
    assert suffix.endswith(".svc.cluster.local"), suffix
    assert f'create-task "create-task{suffix}";' in rendered
    assert f'create-task "create-task{suffix}:{values[nginx.SERVICE_PORT]}";' in rendered


def test_nginx_refuses_a_template_with_a_variable_left_unset(tmp_path: Path) -> None:
    # The control for the two tests above: an unfilled variable is an nginx error.
    config = main_config(tmp_path, TEMPLATE.read_text())
    checked = nginx_test(config)
    assert checked.returncode != 0
    assert "TASKFLOW_" in checked.stderr or "invalid" in checked.stderr


def test_every_public_route_is_mapped_to_its_service_and_no_other_target_is() -> None:
    rendered = TEMPLATE.read_text()
    mapped = re.findall(r'^    "~\^(\w+) (\S+)\$" ([\w-]+);$', rendered, re.MULTILINE)
    expected = [(route.method, route.target.replace("_", "-")) for route in ROUTES if route.public]
    assert [(method, service) for method, _, service in mapped] == expected


def _loopback(service: str) -> nginx.Upstream:
    return nginx.Upstream("127.0.0.1:9", "127.0.0.1")


def test_the_template_files_leave_no_placeholder_or_reader_note_in_the_configuration() -> None:
    rendered = nginx.render(_loopback, resolver="127.0.0.1")
    assert "{{" not in rendered
    assert "}}" not in rendered


def test_a_resolver_is_one_line_when_given_and_no_line_when_not() -> None:
    named = nginx.render(_loopback, resolver="10.0.0.10").splitlines()
    addressed = nginx.render(_loopback).splitlines()
    assert [line for line in named if "resolver" in line] == [
        "    resolver 10.0.0.10 valid=10s ipv6=off;"
    ]
    assert [line for line in addressed if "resolver" in line] == []
    assert len(named) == len(addressed) + 1


def test_only_a_streaming_route_s_location_keeps_its_connection_unbuffered() -> None:
    rendered = nginx.render(_loopback, streaming_targets=frozenset({"list_tasks"}))
    blocks = [block.split("\n    }\n")[0] for block in rendered.split("\n    location ")[1:]]
    unbuffered = [block.split(" {")[0] for block in blocks if "proxy_buffering off;" in block]
    assert unbuffered == ["= /api/tasks"]
    assert rendered.count("proxy_read_timeout 1h;") == 1


def test_a_secret_path_s_location_is_the_api_location_with_only_critical_errors_logged() -> None:
    rendered = nginx.render(_loopback, resolver="127.0.0.1")
    blocks = {
        block.split(" {\n")[0]: block.split(" {\n", 1)[1].split("\n    }\n")[0].splitlines()
        for block in rendered.split("\n    location ")[1:]
    }
    secret_locations = [f'~ "^{nginx._path_regex(r.path)}$"' for r in SECRET_ROUTES if r.public]
    assert secret_locations, "the route table has paths that carry a secret"
    for location in secret_locations:
        lines = [line for line in blocks[location] if not line.lstrip().startswith("#")]
        assert lines[-1] == f"        error_log {nginx.ERROR_LOG} crit;", location
        assert lines[:-1] == [
            line for line in blocks["/api/"] if not line.lstrip().startswith("#")
        ], location
    # The only error_log lines are theirs: every other location logs as the server does.
    assert rendered.count("error_log ") == len(secret_locations)


def test_a_stray_placeholder_in_a_template_is_an_error_not_text() -> None:
    with pytest.raises(ValueError, match="Invalid placeholder"):
        nginx.ConfigTemplate("listen {{ 8080;\n").substitute()
    with pytest.raises(KeyError, match="listen"):
        nginx.ConfigTemplate("listen {{listen}};\n").substitute()


# --- the same answers through nginx and through the FastAPI gateway ------------------------


@contextmanager
def _running_nginx(
    prefix: Path,
    upstreams: dict[str, int],
    web_root: Path,
    *,
    name_server: NameServer | None = None,
) -> Iterator[str]:
    """A real nginx on loopback with the rendered configuration; yields its base URL.

    Its access log is `prefix`/access.log; what it writes to its error log, `prefix`/nginx.log.
    With a name server, nginx asks it for each service by name (`<service>.taskflow.test`).
    """
    port = free_port()

    def upstream(service: str) -> nginx.Upstream:
        if name_server is None:
            return nginx.Upstream(f"127.0.0.1:{upstreams[service]}", "127.0.0.1")
        host = f"{service}.taskflow.test"
        return nginx.Upstream(f"{host}:{upstreams[service]}", host)

    rendered = nginx.render(
        upstream,
        listen=f"127.0.0.1:{port}",
        access_log=str(prefix / "access.log"),
        web_root=str(web_root),
        resolver=None if name_server is None else f"127.0.0.1:{name_server.port}",
    )
    config = main_config(prefix, rendered)
    log_path = prefix / "nginx.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(config), "-e", "stderr", "-g", "daemon off;"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(log_path.read_text())
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _web_build(root: Path) -> Path:
    """A web build as `npm run build` lays it out: index.html, top-level files, assets/."""
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>TaskFlow</title>")
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "assets" / "index-3f2a1b.js").write_text("console.log('taskflow')")
    return root


@pytest.fixture
def nginx_gateway(cluster: Cluster, tmp_path: Path) -> Iterator[str]:
    """nginx rendered with the cluster's function ports as upstreams."""
    ports = {
        target.replace("_", "-"): port for target, port in function_ports(cluster.base_port).items()
    }
    with _running_nginx(tmp_path / "nginx", ports, _web_build(tmp_path / "web")) as url:
        yield url


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_JWT = re.compile(r"[\w-]+\.[\w-]+\.[\w-]+")


def _normalised(value: Any, tag: str) -> Any:
    """Ids, times, tokens and this run's names replaced: what is left must be equal."""
    if isinstance(value, dict):
        return {
            key: "<token>" if key.endswith("token") else _normalised(item, tag)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalised(item, tag) for item in value]
    if isinstance(value, str):
        text = value.replace(tag, "<tag>")
        text = _UUID.sub("<id>", text)
        return _INSTANT.sub("<time>", text) if not _JWT.fullmatch(text) else "<token>"
    return value


def _observe(step: str, response: httpx.Response, tag: str, body: Any = None) -> dict[str, Any]:
    media_type = response.headers.get("content-type", "")
    if body is None:
        body = response.json() if "json" in media_type and response.content else response.text
    return {
        "step": step,
        "status": response.status_code,
        "content-type": media_type,
        "etag": response.headers.get("etag"),
        "allow": response.headers.get("allow"),
        "security": _security(response),
        "body": _normalised(body, tag),
    }


def _security(response: httpx.Response) -> dict[str, list[str]]:
    names = [*SECURITY_HEADER_NAMES, "Strict-Transport-Security"]
    return {name: response.headers.get_list(name) for name in names}


def _scenario(base_url: str, trace_id: str) -> list[dict[str, Any]]:
    """One person's session, as the web app would run it, observed step by step."""
    tag = secrets.token_hex(4)
    seen: list[dict[str, Any]] = []
    with httpx.Client(base_url=base_url, timeout=30) as client:

        def step(name: str, response: httpx.Response) -> httpx.Response:
            seen.append(_observe(name, response, tag))
            return response

        email = f"ada-{tag}@example.com"
        registered = step(
            "register",
            client.post(
                "/api/auth/register",
                json={"email": email, "password": PASSWORD, "display_name": f"Ada {tag}"},
            ),
        )
        assert registered.status_code == 201, registered.text
        client.cookies.clear()
        login = step(
            "login", client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        )
        refresh_token = login.json()["refresh_token"]
        # The refresh cookie, sent as a browser sends it (Secure: httpx keeps it off http).
        refreshed = step(
            "refresh by cookie",
            client.post(
                "/api/auth/refresh", headers={"Cookie": f"taskflow_refresh={refresh_token}"}
            ),
        )
        auth = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        step("me", client.get("/api/auth/me", headers={**auth, "traceparent": traceparent}))
        project = step(
            "create project", client.post("/api/projects", json={"name": "Launch"}, headers=auth)
        ).json()
        task = step(
            "create task",
            client.post(
                "/api/tasks",
                json={"project_id": project["id"], "title": "Book the venue", "priority": "high"},
                headers=auth,
            ),
        ).json()
        step(
            "list tasks with a filter",
            client.get(
                "/api/tasks",
                params={"project_id": project["id"], "status": "todo", "priority": "high"},
                headers=auth,
            ),
        )
        read = step("get task", client.get(f"/api/tasks/{task['id']}", headers=auth))
        etag = read.headers["etag"]
        step(
            "patch with the current ETag",
            client.patch(
                f"/api/tasks/{task['id']}",
                json={"status": "in_progress"},
                headers={**auth, "If-Match": etag},
            ),
        )
        step(
            "patch with a stale ETag",
            client.patch(
                f"/api/tasks/{task['id']}", json={"title": "x"}, headers={**auth, "If-Match": etag}
            ),
        )
        step(
            "patch with a stale version",
            client.patch(
                f"/api/tasks/{task['id']}", json={"title": "x", "version": 1}, headers=auth
            ),
        )
        step("the stats path is not a task id", client.get("/api/tasks/stats", headers=auth))
        step("delete on the stats path", client.delete("/api/tasks/stats", headers=auth))
        step("unknown path", client.get(f"/api/nothing-here/{uuid.uuid4()}", headers=auth))
        step("unknown path, any method", client.post("/api/nothing-here", headers=auth))
        step("wrong method", client.put("/api/tasks", headers=auth))
        step("wrong method on a template", client.post(f"/api/tasks/{task['id']}", headers=auth))
        step(
            "malformed JSON",
            client.post(
                "/api/tasks",
                content=b'{"title": ',
                headers={**auth, "Content-Type": "application/json"},
            ),
        )
        step(
            "body over the limit",
            client.post(
                "/api/tasks",
                content=b" " * (MAX_BODY + 1),
                headers={**auth, "Content-Type": "application/json"},
            ),
        )
        step(
            "body at the limit",
            client.post(
                "/api/tasks",
                content=b"{}" + b" " * (MAX_BODY - 2),
                headers={**auth, "Content-Type": "application/json"},
            ),
        )
        step("keys", client.get("/.well-known/jwks.json"))
        step("probe", client.get("/healthz"))
        seen.append(_stream(client, auth, tag))
    return seen


def _stream(client: httpx.Client, auth: dict[str, str], tag: str) -> dict[str, Any]:
    """The live stream opens and its first message (a heartbeat) arrives while it stays open."""
    started = time.monotonic()
    timeout = httpx.Timeout(10, read=HEARTBEAT_DEADLINE_SECONDS)
    with client.stream("GET", "/api/notifications/stream", headers=auth, timeout=timeout) as opened:
        received = b""
        for chunk in opened.iter_raw():
            received += chunk.replace(b"\r\n", b"\n")
            if b"\n\n" in received or time.monotonic() - started > HEARTBEAT_DEADLINE_SECONDS:
                break
        first = received.decode().split("\n\n")[0]
        observed = _observe("notification stream", opened, tag, first)
        observed["in time"] = time.monotonic() - started < HEARTBEAT_DEADLINE_SECONDS
    return observed


@pytest.mark.postgres
@pytest.mark.redis
def test_nginx_answers_every_request_as_the_fastapi_gateway_does(
    cluster: Cluster, nginx_gateway: str
) -> None:
    server = cluster.server
    trace_id = secrets.token_hex(16)
    through_nginx = _scenario(nginx_gateway, trace_id)
    through_fastapi = _scenario(server.base_url, secrets.token_hex(16))
    for ours, theirs in zip(through_nginx, through_fastapi, strict=True):
        assert ours == theirs, json.dumps({"nginx": ours, "fastapi": theirs}, indent=2)
    statuses = {observed["step"]: observed["status"] for observed in through_nginx}
    assert statuses["register"] == 201
    assert statuses["patch with the current ETag"] == 200
    assert statuses["patch with a stale ETag"] == 412
    assert statuses["patch with a stale version"] == 409
    assert statuses["unknown path"] == 404
    assert statuses["wrong method"] == 405
    assert statuses["malformed JSON"] == 400
    assert statuses["body over the limit"] == 413
    assert statuses["body at the limit"] == 422
    assert statuses["notification stream"] == 200
    assert through_nginx[-1]["body"] == ": heartbeat"
    assert through_nginx[-1]["in time"]
    # The trace the client started reached the function through nginx.
    assert trace_id in server.output()


WEB_REQUESTS = [
    ("GET", "/", "text/html"),
    ("HEAD", "/", "text/html"),
    ("POST", "/", "*/*"),
    ("GET", "/favicon.svg", "*/*"),
    ("GET", "/assets/index-3f2a1b.js", "*/*"),
    ("GET", "/assets/missing.js", "*/*"),
    ("DELETE", "/assets/index-3f2a1b.js", "*/*"),
    ("GET", "/projects/42/tasks", "text/html,application/xhtml+xml"),
    ("GET", "/projects/42/tasks", "application/json"),
    ("POST", "/projects/42/tasks", "text/html"),
    ("GET", "/api/nothing-here", "text/html"),
    ("GET", "/api/report.json", "*/*"),
    ("PUT", "/api/tasks", "*/*"),
    ("PUT", "/api/tasks/stats.js", "*/*"),
    ("POST", "/api/nothing-here", "*/*"),
    ("GET", "/.well-known/nothing-here", "text/html"),
    ("POST", "/.well-known/jwks.json", "*/*"),
    ("HEAD", "/healthz", "*/*"),
    ("GET", "/healthz", "*/*"),
]


def _media_type(content_type: str) -> str:
    media_type = content_type.split(";")[0]
    # Debian's older nginx still names JavaScript by its obsolete type (RFC 9239).
    return "text/javascript" if media_type == "application/javascript" else media_type


def test_nginx_serves_the_web_build_and_refuses_unknown_paths_as_the_gateway_does(
    servers: Servers, tmp_path: Path
) -> None:
    # One `taskflow dev` is both the reference and every function nginx forwards to.
    web_root = _web_build(tmp_path / "web")
    port = free_port()
    env = clean_environment(
        TASKFLOW_DATA_DIR=str(tmp_path / "data"), TASKFLOW_WEB_DIST=str(web_root)
    )
    dev = servers.start("dev", [str(BIN / "taskflow"), "dev", "--port", str(port)], port, env)
    every_service = {route.target.replace("_", "-"): port for route in ROUTES if route.public}
    with _running_nginx(tmp_path / "nginx", every_service, web_root) as nginx_url:
        for method, path, accept in WEB_REQUESTS:
            answers = [
                httpx.request(method, base + path, headers={"Accept": accept}, timeout=10)
                for base in (nginx_url, dev.base_url)
            ]
            ours, theirs = (
                (
                    r.status_code,
                    _media_type(r.headers.get("content-type", "")),
                    r.content,
                    _security(r),
                )
                for r in answers
            )
            assert ours == theirs, (method, path, accept, ours, theirs)


def test_the_rate_limited_paths_are_the_route_table_s_password_and_token_paths() -> None:
    auth_posts = {r.path for r in ROUTES if r.method == "POST" and r.path.startswith("/api/auth/")}
    assert set(nginx.RATE_LIMITED_PATHS) == auth_posts - {"/api/auth/logout"}


def _unreachable_functions() -> dict[str, int]:
    """Every service on a port nothing listens on: what reaches a function is a 503."""
    closed = free_port()
    return {route.target.replace("_", "-"): closed for route in ROUTES if route.public}


def test_nginx_limits_the_auth_paths_per_client_address_and_answers_429_as_a_problem(
    tmp_path: Path,
) -> None:
    web_root = _web_build(tmp_path / "web")
    paths = itertools.cycle(nginx.RATE_LIMITED_PATHS)
    with (
        _running_nginx(tmp_path / "nginx", _unreachable_functions(), web_root) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        # The burst and the one request the rate allows at once, shared by the four paths.
        allowed = [client.post(next(paths), json={}) for _ in range(nginx.AUTH_BURST + 1)]
        refused = [client.post(path, json={}) for path in nginx.RATE_LIMITED_PATHS]
        # Other paths, auth ones included, are not held back (nor is a wrong method counted).
        others = [
            client.post("/api/auth/logout"),
            client.get("/api/auth/me"),
            client.get("/api/tasks"),
            client.get("/api/auth/login"),
        ]
    assert [r.status_code for r in allowed] == [503] * len(allowed), "each reached nginx's upstream"
    for path, answer in zip(nginx.RATE_LIMITED_PATHS, refused, strict=True):
        assert answer.status_code == 429, path
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["retry-after"] == "2"
        assert answer.json() == {
            "type": "about:blank",
            "title": "Too many requests",
            "status": 429,
            "detail": "too many attempts; wait before trying again",
            "instance": path,
        }
        assert _security(answer) == {
            **{name: [value] for name, value in SECURITY_HEADERS},
            "Strict-Transport-Security": [],
        }
    assert [r.status_code for r in others] == [503, 503, 503, 405]


@pytest.mark.parametrize("upload_path", [route.path for route in ROUTES if route.takes_file])
def test_only_a_path_that_takes_a_file_lets_a_body_past_the_json_limit_through(
    tmp_path: Path, upload_path: str
) -> None:
    largest = int(Settings.model_fields["attachment_max_bytes"].default)
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    web_root = _web_build(tmp_path / "web")
    with (
        _running_nginx(tmp_path / "nginx", _unreachable_functions(), web_root) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        upload = client.post(upload_path, content=b"x" * (MAX_BODY + 1), headers=multipart)
        json_body = client.post("/api/tasks", content=b"x" * (MAX_BODY + 1), headers=multipart)
        too_large = client.post(upload_path, content=b"x" * (2 * largest), headers=multipart)
    assert upload.status_code == 503, "it reached the function's upstream"
    assert json_body.status_code == 413
    assert too_large.status_code == 413


# One of each kind of answer nginx makes: the page, files, a deep link, its own problems, and
# a request for a function (a 503 here: none is running).
HEADER_REQUESTS = [
    ("GET", "/", "text/html", 200),
    ("GET", "/favicon.svg", "*/*", 200),
    ("GET", "/assets/index-3f2a1b.js", "*/*", 200),
    ("GET", "/projects/42", "text/html", 200),
    ("GET", "/assets/missing.js", "*/*", 404),
    ("POST", "/", "*/*", 405),
    ("PUT", "/api/tasks", "*/*", 405),
    ("GET", "/api/tasks", "*/*", 503),
    ("GET", "/healthz", "*/*", 503),
]


def test_every_answer_of_nginx_carries_the_security_headers_and_hsts_only_over_https(
    tmp_path: Path,
) -> None:
    web_root = _web_build(tmp_path / "web")
    with _running_nginx(tmp_path / "nginx", _unreachable_functions(), web_root) as url:
        for method, path, accept, status in HEADER_REQUESTS:
            for scheme, hsts in (("", []), ("https", [STRICT_TRANSPORT_SECURITY])):
                headers = {"Accept": accept, **({"X-Forwarded-Proto": scheme} if scheme else {})}
                answer = httpx.request(method, url + path, headers=headers, timeout=10)
                assert answer.status_code == status, (method, path)
                assert _security(answer) == {
                    **{name: [value] for name, value in SECURITY_HEADERS},
                    "Strict-Transport-Security": hsts,
                }, (method, path, scheme)


def test_nginx_s_access_log_writes_a_path_that_carries_a_secret_as_its_route(
    tmp_path: Path,
) -> None:
    secret = secrets.token_urlsafe(24)
    # As a calendar app asks for its feed, and as a browser follows a download link.
    carrying = {
        "/api/calendar/ical/{token}": f"/api/calendar/ical/{secret}.ics",
        "/api/attachments/files/{token}": f"/api/attachments/files/{secret}?inline=1",
    }
    assert set(carrying) == {route.path for route in SECRET_ROUTES if route.public}
    task_path = f"/api/tasks/{uuid.uuid4()}?fields=title"
    requests = [
        # Answered by the function's upstream (a 503 here: none is running) and by nginx
        # itself (a 405: another location), each logged as the route.
        *(("GET", path, template, 503) for template, path in carrying.items()),
        *(("POST", path, template, 405) for template, path in carrying.items()),
        # Any other path is logged as it was sent, its query too.
        ("GET", task_path, task_path, 503),
        ("GET", "/api/calendar/feeds", "/api/calendar/feeds", 503),
        ("GET", "/api/nothing-here?x=1", "/api/nothing-here?x=1", 404),
        ("GET", "/healthz", "/healthz", 503),
    ]
    prefix = tmp_path / "nginx"
    with (
        _running_nginx(prefix, _unreachable_functions(), _web_build(tmp_path / "web")) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        for method, path, _, status in requests:
            assert client.request(method, path).status_code == status, (method, path)
    # Read once nginx has stopped: every request's line has been written.
    logged = (prefix / "access.log").read_text()
    assert secret not in logged
    assert re.findall(r'"(\w+) (\S+) HTTP/1\.1" (\d{3}) ', logged) == [
        ("GET", "/", "200"),  # _running_nginx's wait for nginx to answer
        *((method, written, str(status)) for method, _, written, status in requests),
    ]


def _secret_paths(*secrets_: str) -> dict[str, str]:
    """A path of each route that carries a secret, with these secrets: as a calendar app asks
    for its feed, and as a browser follows a download link."""
    feed_secret, link_secret = secrets_
    carrying = {
        "/api/calendar/ical/{token}": f"/api/calendar/ical/{feed_secret}.ics",
        "/api/attachments/files/{token}": f"/api/attachments/files/{link_secret}?inline=1",
    }
    assert set(carrying) == {route.path for route in SECRET_ROUTES if route.public}
    return carrying


@pytest.mark.parametrize("failure", ["unreachable", "unresolved"])
def test_nginx_s_error_log_leaves_out_a_secret_path_whose_function_cannot_be_reached(
    tmp_path: Path, failure: str
) -> None:
    # Nothing listens on the functions' port; or no name of theirs resolves (NXDOMAIN).
    feed_secret, link_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    carrying = _secret_paths(feed_secret, link_secret)
    task_path = f"/api/tasks/{uuid.uuid4()}?fields=title"
    prefix = tmp_path / "nginx"
    name_server = NameServer({}) if failure == "unresolved" else None
    try:
        with (
            _running_nginx(
                prefix,
                _unreachable_functions(),
                _web_build(tmp_path / "web"),
                name_server=name_server,
            ) as url,
            httpx.Client(base_url=url, timeout=10) as client,
        ):
            answers = {path: client.get(path) for path in [*carrying.values(), task_path]}
    finally:
        if name_server is not None:
            name_server.close()
    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(
        answers, 503
    ), "each reached nginx's upstream"
    # Read once nginx has stopped: every line has been written.
    errors = (prefix / "nginx.log").read_text()
    logged = (prefix / "access.log").read_text()
    for secret in (feed_secret, link_secret):
        assert secret not in errors
        assert secret not in logged
    # The ordinary path's upstream error is still written, with its request line; no other
    # request has an error line.
    cause = "connect() failed" if failure == "unreachable" else "could not be resolved"
    requested = re.findall(r"\[error\] .*, request: \"(\w+ \S+) HTTP/1\.1\"", errors)
    assert set(requested) == {f"GET {task_path}"}, errors
    assert cause in errors, errors
    assert re.findall(r'"GET (\S+) HTTP/1\.1" (\d{3}) ', logged) == [
        ("/", "200"),  # _running_nginx's wait for nginx to answer
        *((template, "503") for template in carrying),
        (task_path, "503"),
    ]


def test_a_path_that_carries_a_secret_reaches_its_function_through_nginx(
    servers: Servers, tmp_path: Path
) -> None:
    # `taskflow dev` stands in for the functions of the secret paths, and for no other.
    port = free_port()
    env = clean_environment(TASKFLOW_DATA_DIR=str(tmp_path / "data"))
    dev = servers.start("dev", [str(BIN / "taskflow"), "dev", "--port", str(port)], port, env)
    secret_services = {r.target.replace("_", "-") for r in SECRET_ROUTES if r.public}
    upstreams = {
        service: port if service in secret_services else closed
        for service, closed in _unreachable_functions().items()
    }
    feed_secret, link_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    carrying = _secret_paths(feed_secret, link_secret)
    prefix = tmp_path / "nginx"
    with _running_nginx(prefix, upstreams, _web_build(tmp_path / "web")) as nginx_url:
        # The function's own answer, as it gave it: no feed has that secret; no link is valid.
        for path, status in zip(carrying.values(), (404, 403), strict=True):
            ours, theirs = (
                httpx.get(base + path, timeout=10) for base in (nginx_url, dev.base_url)
            )
            assert ours.status_code == theirs.status_code == status, (path, ours.text)
            assert ours.headers["content-type"] == theirs.headers["content-type"]
            assert ours.json() == theirs.json(), path
        # The control: any other path's function is not running.
        assert httpx.get(f"{nginx_url}/api/calendar/feeds", timeout=10).status_code == 503
    for secret in (feed_secret, link_secret):
        assert secret not in (prefix / "nginx.log").read_text()
        assert secret not in (prefix / "access.log").read_text()
