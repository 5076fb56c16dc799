"""`taskflow kn`: one `kn service apply` per function, saying what the Knative YAML says."""

from __future__ import annotations

import shlex
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from events.transport.dispatch import service_name
from functions.cli import main
from functions.deploy import kn
from functions.routes import ROUTES

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "registry.example/taskflow@sha256:" + "0" * 64
# Flags of `kn service apply` as its reference lists them (knative/client,
# docs/cmd/kn_service_apply.md, kn 1.x): a misspelt flag makes kn refuse the command.
KN_SERVICE_APPLY_FLAGS = {
    "--annotation",
    "--annotation-revision",
    "--annotation-service",
    "--cluster-local",
    "--concurrency-limit",
    "--env",
    "--env-from",
    "--filename",
    "--image",
    "--limit",
    "--namespace",
    "--no-cluster-local",
    "--request",
    "--scale-max",
    "--scale-min",
    "--scale-target",
    "--service-account",
    "--timeout",
}
SWITCHES = {"--cluster-local", "--no-cluster-local"}


def parse(command: list[str]) -> tuple[str, dict[str, list[str]]]:
    """The service name and each flag's values, as kn would read them."""
    assert command[:3] == ["kn", "service", "apply"]
    name, rest = command[3], command[4:]
    flags: dict[str, list[str]] = defaultdict(list)
    n = 0
    while n < len(rest):
        flag = rest[n]
        assert flag.startswith("--"), f"{flag!r} is not a flag"
        if flag in SWITCHES:
            flags[flag].append("")
            n += 1
        else:
            flags[flag].append(rest[n + 1])
            n += 2
    return name, dict(flags)


def _pairs(values: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in values)


def _manifest(path: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / path).read_text())
    return document


def test_there_is_one_command_per_target_in_table_order() -> None:
    names = [parse(command)[0] for command in kn.commands(IMAGE, "taskflow")]
    assert names == [service_name(t) for t in dict.fromkeys(r.target for r in ROUTES)]


def test_every_flag_is_one_kn_service_apply_has() -> None:
    used = {flag for command in kn.commands(IMAGE, "ns") for flag in parse(command)[1]}
    assert used <= KN_SERVICE_APPLY_FLAGS
    assert used > {"--image", "--scale-min", "--scale-max", "--concurrency-limit"}


def test_each_command_says_what_the_functions_manifest_says() -> None:
    for command in kn.commands(IMAGE, "team-a"):
        name, flags = parse(command)
        (path,) = flags["--filename"]
        service = _manifest(path)
        assert service["metadata"]["name"] == name
        template = service["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        (container,) = template["spec"]["containers"]
        assert flags["--namespace"] == ["team-a"]
        assert flags["--image"] == [IMAGE]
        assert _pairs(flags["--env"]) == {e["name"]: e["value"] for e in container["env"]}
        references = [
            f"cm:{e['configMapRef']['name']}"
            if "configMapRef" in e
            else f"secret:{e['secretRef']['name']}"
            for e in container["envFrom"]
        ]
        assert flags["--env-from"] == references
        assert flags["--scale-min"] == [annotations["autoscaling.knative.dev/min-scale"]]
        assert flags["--scale-max"] == [annotations["autoscaling.knative.dev/max-scale"]]
        assert flags["--scale-target"] == [annotations["autoscaling.knative.dev/target"]]
        assert flags["--service-account"] == [template["spec"]["serviceAccountName"]]
        timeout = template["spec"].get("timeoutSeconds")
        assert flags.get("--timeout", []) == ([str(timeout)] if timeout else [])
        assert flags["--concurrency-limit"] == [str(template["spec"]["containerConcurrency"])]
        delay = annotations.get("autoscaling.knative.dev/scale-down-delay")
        expected_revision = [f"autoscaling.knative.dev/scale-down-delay={delay}"] if delay else []
        assert flags.get("--annotation-revision", []) == expected_revision
        for flag, key in (("--request", "requests"), ("--limit", "limits")):
            (value,) = flags[flag]
            assert _pairs(value.split(",")) == container["resources"][key]
        local = (
            service["metadata"]["labels"].get("networking.knative.dev/visibility")
            == "cluster-local"
        )
        assert ("--cluster-local" in flags) is local
        assert ("--no-cluster-local" in flags) is not local


def test_taskflow_kn_prints_each_command_so_a_shell_reads_it_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["kn", "--image", IMAGE, "--namespace", "taskflow"])
    lines = capsys.readouterr().out.splitlines()
    assert [shlex.split(line) for line in lines] == kn.commands(IMAGE, "taskflow")


def test_a_command_with_an_unsafe_image_name_stays_one_word_for_the_shell(
    capsys: pytest.CaptureFixture[str],
) -> None:
    image = "registry.example/taskflow:1.0; rm -rf /"
    main(["kn", "--image", image])
    first = shlex.split(capsys.readouterr().out.splitlines()[0])
    assert first[first.index("--image") + 1] == image
