"""docker-compose.yml: valid for docker-compose, current, and one service per function."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from events.transport.dispatch import service_name
from functions.deploy import compose, nginx
from functions.routes import EVENT, ROUTES, SCHEDULE
from tests.e2e.conftest import ROOT

COMPOSE_FILE = ROOT / compose.COMPOSE_PATH
DOCKER_COMPOSE = shutil.which("docker-compose") or "/usr/bin/docker-compose"
DATA_SERVICES = {"postgres", "redis", "rabbitmq", "moto"}
PIPELINE = {"setup", "migrate", "relay", "dispatch", "schedule", "gateway"}


def _config(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKER_COMPOSE, "--project-directory", str(ROOT), "-f", str(path), "config"],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    """The file as docker-compose reads it: anchors merged, every field checked."""
    checked = _config(COMPOSE_FILE)
    assert checked.returncode == 0, checked.stderr
    document: dict[str, Any] = yaml.safe_load(checked.stdout)
    return document


def test_docker_compose_accepts_the_file() -> None:
    checked = subprocess.run(
        [DOCKER_COMPOSE, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr


def test_docker_compose_rejects_a_file_with_a_wrong_dependency_condition(tmp_path: Path) -> None:
    # The control: the same file with one condition misspelt does not pass.
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE_FILE.read_text()
    broken.write_text(text.replace("service_completed_successfully", "service_finished", 1))
    checked = _config(broken)
    assert checked.returncode != 0
    assert "service_finished" in checked.stderr


def test_the_committed_file_is_what_the_route_table_renders() -> None:
    assert COMPOSE_FILE.read_text() == compose.files()[compose.COMPOSE_PATH]


def test_there_is_a_service_for_every_function_and_nothing_else_function_like(
    resolved: dict[str, Any],
) -> None:
    services = resolved["services"]
    functions = {
        name: service["environment"]["FUNCTION_TARGET"]
        for name, service in services.items()
        if "FUNCTION_TARGET" in service.get("environment", {})
    }
    targets = dict.fromkeys(route.target for route in ROUTES)
    assert functions == {service_name(target): target for target in targets}
    assert set(services) - set(functions) == DATA_SERVICES | PIPELINE


def test_every_function_runs_read_only_probed_and_after_the_migration(
    resolved: dict[str, Any],
) -> None:
    for name in {service_name(route.target) for route in ROUTES}:
        service = resolved["services"][name]
        assert service["image"] == compose.IMAGE
        assert service["build"]["target"] == "runtime"
        assert service["read_only"] is True
        assert service["tmpfs"] == ["/tmp"]  # noqa: S108 - the container's own tmpfs
        assert service["environment"].get("PORT", "8080") == "8080"
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        depends = service["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["setup"] == {"condition": "service_completed_successfully"}
        for data in DATA_SERVICES:
            assert depends[data] == {"condition": "service_healthy"}, (name, data)
        assert service["volumes"] == [f"signing-key:{compose.KEYS_DIR}:ro"]


def test_the_signing_key_is_made_at_start_not_written_in_the_file(
    resolved: dict[str, Any],
) -> None:
    assert "BEGIN" not in COMPOSE_FILE.read_text()
    environment = resolved["services"]["list-tasks"]["environment"]
    assert environment["TASKFLOW_JWT_PRIVATE_KEY"].startswith(compose.KEYS_DIR + "/")
    setup = resolved["services"]["setup"]
    assert "embedded_private_key_pem" in " ".join(setup["entrypoint"])
    assert setup["volumes"] == [f"signing-key:{compose.KEYS_DIR}:rw"]


def test_the_dispatcher_reaches_each_subscriber_by_its_service_name(
    resolved: dict[str, Any],
) -> None:
    services = resolved["services"]
    dispatch = services["dispatch"]
    assert dispatch["command"] == ["dispatch"]
    template = dispatch["environment"]["TASKFLOW_FUNCTION_URL_TEMPLATE"]
    for route in ROUTES:
        if route.trigger != EVENT:
            continue
        url = template.format(service=service_name(route.target)) + route.path
        found = re.fullmatch(r"http://([\w-]+):(\d+)/.*", url)
        assert found is not None, url
        host, port = found.groups()
        assert host in services, url
        assert port == "8080", url
        assert dispatch["depends_on"][host] == {"condition": "service_healthy"}


def test_the_scheduler_calls_each_scheduled_function_at_its_path(
    resolved: dict[str, Any],
) -> None:
    command = resolved["services"]["schedule"]["command"]
    scheduled = [route for route in ROUTES if route.trigger == SCHEDULE]
    assert command[0] == "schedule"
    assert command[1:] == [
        part
        for route in scheduled
        for part in (
            "--url",
            f"{route.target}=http://{service_name(route.target)}:8080{route.path}",
        )
    ]


def test_the_gateway_is_nginx_on_port_8000_with_every_template_variable(
    resolved: dict[str, Any],
) -> None:
    gateway = resolved["services"]["gateway"]
    assert gateway["build"]["target"] == "gateway"
    assert set(nginx.TEMPLATE_VARIABLES) <= set(gateway["environment"])
    assert gateway["environment"][nginx.SERVICE_PORT] == "8080"
    published = gateway["ports"][0]
    assert (published["published"], published["target"]) in ((8000, 8080), ("8000", 8080))
    public = {service_name(route.target) for route in ROUTES if route.public}
    assert set(gateway["depends_on"]) == public


def test_rabbitmq_shows_its_management_ui_and_every_image_is_pinned(
    resolved: dict[str, Any],
) -> None:
    rabbitmq = resolved["services"]["rabbitmq"]
    assert rabbitmq["image"].endswith("-management-alpine")
    # Only on loopback: docker-compose writes such a mapping back as it was given.
    assert rabbitmq["ports"] == ["127.0.0.1:15672:15672/tcp"]
    for name in DATA_SERVICES:
        image = resolved["services"][name]["image"]
        assert re.search(r":\d+\.\d+", image), f"{name}: {image} is not an exact version"
