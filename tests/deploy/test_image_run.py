"""The image, built with podman from the real Dockerfile and run as a deployment runs it:
read-only, as its non-root user, with only the writable mounts the Knative manifests give, on
this machine's PostgreSQL, Redis and RabbitMQ (the host's network).

Why stand-ins of the base images: no container registry can be reached from the machines
these tests run on (PyPI, npm's registry and Debian's archive can), so `node`, `python` and
`nginxinc/nginx-unprivileged` cannot be pulled. They are built here from Debian's packages,
with what the Dockerfile relies on, and tagged with the exact names its FROM lines use; the
Dockerfile itself builds unchanged (tests/deploy/podman_images.py says how).
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml
from redis import Redis

from events.transport.dispatch import service_name
from functions.core import migrate
from functions.core.security.keys import new_private_key_pem
from tests.conftest import (
    REDIS_TEST_URL,
    amqp_url_for,
    own_database,
    own_vhost,
)
from tests.deploy.conftest import NameServer
from tests.deploy.podman_images import (
    Images,
    build_images,
    checked,
    missing_tools,
    podman,
)
from tests.e2e.conftest import ROOT, free_port
from tests.support import PASSWORD

# Why the images cannot be built on this machine (no podman, or no base and no debootstrap).
CANNOT_BUILD = missing_tools()

pytestmark = [
    pytest.mark.skipif(CANNOT_BUILD is not None, reason=f"{CANNOT_BUILD}: not built or run"),
    # One process builds and runs it all (`make test` distributes by these groups); it waits
    # on the build and on containers more than it computes, so it runs beside other tests.
    pytest.mark.xdist_group("podman-image"),
]

KNATIVE = ROOT / "knative" / "base"
STARTUP_SECONDS = 90.0
# SIGTERM to exit: deliveries and requests in flight finish first, and none is in flight.
STOP_SECONDS = 10.0
# How the gateway in its own network namespace reaches the host's loopback (slirp4netns).
HOST_FROM_GATEWAY = "10.0.2.2"
SERVICE_SUFFIX = ".taskflow.test"


def _tmpfs_mounts(manifest: Path) -> list[str]:
    """`--tmpfs` options for each emptyDir the manifest's pod mounts, with its size limit."""
    documents = [doc for doc in yaml.safe_load_all(manifest.read_text()) if doc]

    def pod_specs(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "containers" in node:
                yield node
            for value in node.values():
                yield from pod_specs(value)
        elif isinstance(node, list):
            for value in node:
                yield from pod_specs(value)

    (pod,) = [spec for document in documents for spec in pod_specs(document)]
    sizes = {
        volume["name"]: volume["emptyDir"].get("sizeLimit", "")
        for volume in pod.get("volumes", [])
        if "emptyDir" in volume
    }
    (container,) = pod["containers"]
    options = []
    for mount in container.get("volumeMounts", []):
        if mount["name"] in sizes:
            size = sizes[mount["name"]].replace("Mi", "m")
            options += [
                "--tmpfs",
                f"{mount['mountPath']}:size={size}" if size else mount["mountPath"],
            ]
    assert options, f"{manifest} mounts no emptyDir: the root filesystem is all it has"
    return options


def _user(image: str) -> str:
    user = checked(podman("image", "inspect", "--format", "{{.Config.User}}", image))
    # Numeric and not root, as a pod's runAsNonRoot requires.
    uid = user.split(":")[0]
    assert uid.isdigit(), user
    assert int(uid) != 0, user
    return user


@dataclass
class Containers:
    """The containers one module starts; each is removed at the end, whatever happened."""

    prefix: str
    environment: dict[str, str]
    names: list[str] = field(default_factory=list)

    def start(
        self,
        role: str,
        image: str,
        *command: str,
        manifest: Path,
        env: dict[str, str] | None = None,
        network: tuple[str, ...] = ("--network=host",),
        settings: bool = True,
    ) -> str:
        """Start `image` detached as a deployment runs it; `settings`: with TaskFlow's."""
        name = f"{self.prefix}-{role}"
        variables = {**(self.environment if settings else {}), **(env or {})}
        # Values travel in podman's environment, not its command line (the signing key).
        passed = [option for variable in variables for option in ("--env", variable)]
        checked(
            podman(
                "run",
                "--detach",
                "--name",
                name,
                "--read-only",
                *_tmpfs_mounts(manifest),
                "--user",
                _user(image),
                "--cap-drop=ALL",
                "--security-opt=no-new-privileges",
                *network,
                *passed,
                image,
                *command,
                env=variables,
            )
        )
        self.names.append(name)
        return name

    def logs(self, name: str) -> str:
        done = podman("logs", name)
        return done.stdout + done.stderr

    def running(self, name: str) -> bool:
        state = podman("inspect", "--format", "{{.State.Running}}", name)
        return state.stdout.strip() == "true"

    def terminate(self, name: str) -> tuple[int, float]:
        """SIGTERM, as a runtime stops a container; (exit code, seconds it took)."""
        started = time.monotonic()
        checked(podman("kill", "--signal", "TERM", name))
        waited = podman("wait", name, timeout=STOP_SECONDS + 20)
        seconds = time.monotonic() - started
        assert waited.returncode == 0, waited.stderr
        return int(waited.stdout.strip()), seconds

    def remove_all(self) -> None:
        for name in self.names:
            podman("rm", "--force", "--time", "0", name, timeout=60)


def _wait_until_answering(containers: Containers, name: str, url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if not containers.running(name):
            pytest.fail(f"{name} exited before answering:\n{containers.logs(name)}")
        time.sleep(0.3)
    pytest.fail(f"{name} did not answer {url} in {STARTUP_SECONDS:g} s:\n{containers.logs(name)}")


def _wait_for_log(containers: Containers, name: str, text: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while text not in containers.logs(name):
        if not containers.running(name) or time.monotonic() > deadline:
            pytest.fail(f"{name} never logged {text!r}:\n{containers.logs(name)}")
        time.sleep(0.3)


# --- the images and the servers they run on -----------------------------------------------


@pytest.fixture(scope="module")
def images() -> Images:
    return build_images()


@pytest.fixture(scope="module")
def own_name() -> str:
    return f"taskflow_image_{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def database_url(own_name: str) -> Iterator[str]:
    """A database of this module's own, empty: the migrate container makes its schema."""
    with own_database(own_name) as url:
        yield url


@pytest.fixture(scope="module")
def redis_prefix(own_name: str) -> Iterator[str]:
    prefix = f"{own_name.replace('_', '-')}:"
    yield prefix
    client = Redis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def amqp_url(own_name: str) -> Iterator[str]:
    with own_vhost(own_name) as vhost:
        yield amqp_url_for(vhost)


@pytest.fixture(scope="module")
def containers(
    own_name: str, database_url: str, redis_prefix: str, amqp_url: str
) -> Iterator[Containers]:
    """What every container is given: production settings on this machine's servers."""
    started = Containers(
        prefix=own_name.replace("_", "-"),
        environment={
            "TASKFLOW_ENV": "prod",
            "TASKFLOW_DATABASE_URL": database_url,
            "TASKFLOW_REDIS_URL": REDIS_TEST_URL,
            "TASKFLOW_REDIS_PREFIX": redis_prefix,
            "TASKFLOW_AMQP_URL": amqp_url,
            "TASKFLOW_JWT_PRIVATE_KEY": new_private_key_pem().decode(),
            "TASKFLOW_RELAY_SWEEP_SECONDS": "0.5",
        },
    )
    try:
        yield started
    finally:
        started.remove_all()


@dataclass(frozen=True)
class Migration:
    exit_code: str
    output: str


@pytest.fixture(scope="module")
def migrated(images: Images, containers: Containers) -> Migration:
    """`migrate` run to completion in its container."""
    name = containers.start("migrate", images.runtime, "migrate", manifest=_worker("migrate"))
    waited = podman("wait", name, timeout=STARTUP_SECONDS)
    return Migration(waited.stdout.strip(), containers.logs(name))


@pytest.fixture(scope="module")
def schema(migrated: Migration) -> None:
    """The database has its schema: what every function and the relay need."""
    if migrated.exit_code != "0":
        pytest.fail(f"migrate failed:\n{migrated.output}")


def _worker(name: str) -> Path:
    return KNATIVE / "workers" / f"{name}.yaml"


def _function(target: str) -> Path:
    return KNATIVE / "functions" / f"{service_name(target)}.yaml"


@dataclass(frozen=True)
class Function:
    name: str  # the container's
    url: str


def _start_function(images: Images, containers: Containers, target: str) -> Function:
    port = free_port()
    name = containers.start(
        target.replace("_", "-"),
        images.runtime,
        manifest=_function(target),
        # Loopback only: the host's network is shared, its other addresses need not see it.
        env={"FUNCTION_TARGET": target, "HOST": "127.0.0.1", "PORT": str(port)},
    )
    return Function(name, f"http://127.0.0.1:{port}")


@pytest.fixture(scope="module")
def functions(images: Images, containers: Containers, schema: None) -> dict[str, Function]:
    """A container per function the tests call, each answering its probe."""
    started = {
        target: _start_function(images, containers, target)
        for target in ("register", "create_project", "create_task", "list_tasks")
    }
    for function in started.values():
        _wait_until_answering(containers, function.name, f"{function.url}/healthz")
    return started


@dataclass(frozen=True)
class Account:
    registered: httpx.Response
    headers: dict[str, str]
    task: dict[str, Any]


@pytest.fixture(scope="module")
def account(functions: dict[str, Function]) -> Account:
    """Someone registered through the register container, with a project and a task made
    through theirs."""
    registered = httpx.post(
        f"{functions['register'].url}/api/auth/register",
        json={"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada"},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    project = httpx.post(
        f"{functions['create_project'].url}/api/projects",
        json={"name": "Launch"},
        headers=headers,
        timeout=30,
    )
    assert project.status_code == 201, project.text
    task = httpx.post(
        f"{functions['create_task'].url}/api/tasks",
        json={"project_id": project.json()["id"], "title": "Ship the image"},
        headers=headers,
        timeout=30,
    )
    assert task.status_code == 201, task.text
    return Account(registered, headers, task.json())


# --- the tests ---------------------------------------------------------------------------


def test_migrate_brings_a_new_database_to_the_current_schema(
    migrated: Migration, database_url: str
) -> None:
    assert migrated.exit_code == "0", migrated.output
    assert "the database schema is current" in migrated.output
    with psycopg.connect(database_url) as connection:
        [(revision,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert revision == migrate.newest_revision()


def test_function_containers_answer_their_probe_and_a_signed_in_request(
    functions: dict[str, Function], account: Account
) -> None:
    for function in functions.values():
        probe = httpx.get(f"{function.url}/healthz", timeout=10)
        assert probe.status_code == 200
        assert probe.json() == {"status": "ok"}
    listed = httpx.get(f"{functions['list_tasks'].url}/api/tasks", headers=account.headers)
    assert listed.status_code == 200, listed.text
    assert [task["id"] for task in listed.json()["items"]] == [account.task["id"]]
    refused = httpx.get(f"{functions['list_tasks'].url}/api/tasks")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_function_container_stops_cleanly_on_sigterm(
    images: Images, containers: Containers, schema: None
) -> None:
    function = _start_function(images, containers, "healthz")
    _wait_until_answering(containers, function.name, f"{function.url}/healthz")
    code, seconds = containers.terminate(function.name)
    assert code == 0, containers.logs(function.name)
    assert seconds < STOP_SECONDS


def test_the_relay_publishes_the_outbox_and_stops_cleanly_on_sigterm(
    images: Images, containers: Containers, account: Account, database_url: str
) -> None:
    relay = containers.start("relay", images.runtime, "relay", manifest=_worker("relay"))
    deadline = time.monotonic() + STARTUP_SECONDS
    with psycopg.connect(database_url, autocommit=True) as connection:
        while True:
            [(waiting, published)] = connection.execute(
                "SELECT count(*) FILTER (WHERE published_at IS NULL),"
                " count(*) FILTER (WHERE published_at IS NOT NULL) FROM outbox"
            ).fetchall()
            if waiting == 0 and published > 0:
                break
            if not containers.running(relay) or time.monotonic() > deadline:
                pytest.fail(f"the outbox was not published:\n{containers.logs(relay)}")
            time.sleep(0.3)
    code, seconds = containers.terminate(relay)
    assert code == 0, containers.logs(relay)
    assert seconds < STOP_SECONDS


def test_the_dispatcher_starts_and_stops_cleanly_on_sigterm(
    images: Images, containers: Containers, own_name: str
) -> None:
    # A vhost of its own: the relay's events wait in the module's, for no function here.
    with own_vhost(f"{own_name}_dispatch") as vhost:
        dispatcher = containers.start(
            "dispatch",
            images.runtime,
            "dispatch",
            # Knative's Triggers do this work there; it runs as the other workers run.
            manifest=_worker("relay"),
            env={"TASKFLOW_AMQP_URL": amqp_url_for(vhost)},
        )
        _wait_for_log(containers, dispatcher, '"dispatching"')
        code, seconds = containers.terminate(dispatcher)
    assert code == 0, containers.logs(dispatcher)
    assert seconds < STOP_SECONDS


@pytest.fixture(scope="module")
def gateway(
    images: Images, containers: Containers, functions: dict[str, Function]
) -> Iterator[str]:
    """The gateway image's nginx, routing to the list_tasks container; its base URL.

    The image's nginx listens on 8080, fixed in its configuration: it gets a network namespace
    of its own (slirp4netns) with a free port of the host's forwarded to it, and reaches the
    host's loopback, where the function and a stand-in for the cluster's DNS listen, as
    10.0.2.2. The functions' service port is one for all, so one function is routed here.
    """
    listed = functions["list_tasks"]
    function_port = listed.url.rsplit(":", 1)[1]
    resolver = NameServer({f"{service_name('list_tasks')}{SERVICE_SUFFIX}": HOST_FROM_GATEWAY})
    port = free_port()
    try:
        name = containers.start(
            "gateway",
            images.gateway,
            manifest=KNATIVE / "gateway" / "deployment.yaml",
            settings=False,
            env={
                "TASKFLOW_SERVICE_SUFFIX": SERVICE_SUFFIX,
                "TASKFLOW_SERVICE_PORT": function_port,
                "TASKFLOW_RESOLVER": f"{HOST_FROM_GATEWAY}:{resolver.port}",
            },
            network=(
                "--network=slirp4netns:allow_host_loopback=true",
                "--publish",
                f"127.0.0.1:{port}:8080",
            ),
        )
        url = f"http://127.0.0.1:{port}"
        _wait_until_answering(containers, name, f"{url}/")
        yield url
    finally:
        resolver.close()


def test_the_gateway_serves_the_web_app_and_routes_an_api_path_to_its_function(
    gateway: str, account: Account
) -> None:
    page = httpx.get(f"{gateway}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<div id="root">' in page.text
    (script,) = [part.split('"')[0] for part in page.text.split('src="')[1:]]
    assert script.startswith("/assets/")
    assert httpx.get(f"{gateway}{script}").status_code == 200
    # A deep link a browser asks for by address is the app's page.
    deep = httpx.get(f"{gateway}/projects/{uuid.uuid4()}", headers={"Accept": "text/html"})
    assert deep.status_code == 200
    assert deep.text == page.text

    listed = httpx.get(f"{gateway}/api/tasks", headers=account.headers, timeout=10)
    assert listed.status_code == 200, listed.text
    assert [task["id"] for task in listed.json()["items"]] == [account.task["id"]]
    unknown = httpx.get(f"{gateway}/api/nowhere")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
