"""The GitHub Actions workflows: actionlint (its own binary, from PyPI) and what they must do."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
DEPLOY = WORKFLOWS / "deploy.yml"
ACTIONLINT = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


def workflow(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    loaded["on"] = loaded.pop(True)
    return loaded


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = job["steps"]
    return found


def run_lines(job: dict[str, Any]) -> list[str]:
    return [line.strip() for step in steps(job) for line in step.get("run", "").splitlines()]


def actionlint(*paths: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [ACTIONLINT, "-no-color", "-format", "{{json .}}", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    problems: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return problems


def test_actionlint_accepts_both_workflows() -> None:
    assert actionlint(CI, DEPLOY) == []


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The negative control: a context used where GitHub does not allow it."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n"
        "    env:\n      CONTAINER: ${{ job.services.redis.id }}\n"
        "    steps:\n      - run: make test\n"
    )
    problems = actionlint(broken)
    assert [problem["kind"] for problem in problems] == ["expression"]


def readme_test_command() -> str:
    """The README's test command, from its first shell block (`make test  # ...`)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    tests = [command for command in commands if command.endswith(" test")]
    assert len(tests) == 1, commands
    return tests[0]


def test_the_ci_workflow_runs_the_readme_test_command_on_every_push_and_pull_request() -> None:
    ci = workflow(CI)
    assert set(ci["on"]) == {"push", "pull_request"}
    # No filters: every branch, every pull request.
    assert ci["on"]["push"] is None
    assert ci["on"]["pull_request"] is None
    assert readme_test_command() in run_lines(ci["jobs"]["test"])


def test_the_ci_workflow_has_the_servers_and_tools_the_tests_need() -> None:
    job = workflow(CI)["jobs"]["test"]
    images = {name: service["image"] for name, service in job["services"].items()}
    assert images == {"postgres": "postgres:15", "redis": "redis:7", "rabbitmq": "rabbitmq:3.13"}
    installs = " ".join(run_lines(job))
    for package in ("chromium", "nginx-light", "docker-compose"):
        assert re.search(rf"apt-get install .*\b{package}\b", installs), package
    node = [step for step in steps(job) if step.get("uses", "").startswith("actions/setup-node@")]
    assert [step["with"]["node-version"] for step in node] == ["20"]
    # The tests reach the service containers by these names.
    assert job["env"]["TASKFLOW_TEST_POSTGRES"].endswith("@postgres:5432/test")
    assert job["env"]["TASKFLOW_TEST_REDIS"] == "redis://redis:6379/0"


@pytest.mark.parametrize("path", [CI, DEPLOY], ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_full_commit_with_its_version_beside_it(path: Path) -> None:
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", path.read_text(), re.MULTILINE)
    assert uses
    for action, rest in uses:
        name, _, ref = action.partition("@")
        assert FULL_SHA.match(ref), f"{name} is pinned to {ref!r}, not a commit"
        assert re.match(r"\s+#\s*v\d+(\.\d+)*\s*$", rest), f"{name} needs a # vX.Y.Z comment"


def test_the_deploy_workflow_runs_after_the_tests_pass_on_main() -> None:
    deploy = workflow(DEPLOY)
    trigger = deploy["on"]["workflow_run"]
    assert trigger == {
        "workflows": [workflow(CI)["name"]],
        "types": ["completed"],
        "branches": ["main"],
    }
    condition = deploy["jobs"]["images"]["if"]
    assert "github.event.workflow_run.conclusion == 'success'" in condition
    assert "github.event.workflow_run.event == 'push'" in condition
    assert deploy["jobs"]["deploy"]["needs"] == "images"


def test_the_deploy_workflow_builds_both_image_targets_and_pushes_them_to_ecr() -> None:
    job = workflow(DEPLOY)["jobs"]["images"]
    builds = [step for step in steps(job) if step.get("uses", "").startswith("docker/build-push")]
    targets = {step["with"].get("target"): step["with"]["tags"] for step in builds}
    assert set(targets) == {None, "gateway"}  # the Dockerfile's default target, and the gateway
    stages = re.findall(r"^FROM \S+ AS (\S+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert "gateway" in stages
    assert stages[-1] != "gateway"  # the default (last) stage is the TaskFlow image
    assert "/taskflow:" in targets[None]
    assert "/taskflow-gateway:" in targets["gateway"]
    assert all(step["with"]["push"] is True for step in builds)
    used = [step.get("uses", "").split("@")[0] for step in steps(job)]
    assert {"aws-actions/configure-aws-credentials", "aws-actions/amazon-ecr-login"} <= set(used)
    assert job["permissions"]["id-token"] == "write"  # OIDC, no stored keys


def test_the_deploy_workflow_verifies_kn_and_deploys_with_kubectl_and_kn() -> None:
    deploy = workflow(DEPLOY)
    assert re.fullmatch(r"knative-v\d+\.\d+\.\d+", deploy["env"]["KN_VERSION"])
    assert re.fullmatch(r"[0-9a-f]{64}", deploy["env"]["KN_SHA256"])
    lines = run_lines(deploy["jobs"]["deploy"])
    assert any("sha256sum --check" in line and "KN_SHA256" in line for line in lines)
    assert any(line.startswith("aws eks update-kubeconfig") for line in lines)
    assert "kubectl apply -k knative/overlays/prod" in lines
    assert 'taskflow kn --image "$IMAGE" --namespace "$NAMESPACE" --run' in lines


def test_the_deploy_workflow_sets_the_images_the_prod_overlay_names() -> None:
    overlay = yaml.safe_load(
        (ROOT / "knative" / "overlays" / "prod" / "kustomization.yaml").read_text()
    )
    named = {image["name"] for image in overlay["images"]}
    lines = run_lines(workflow(DEPLOY)["jobs"]["deploy"])
    edit = next(line for line in lines if line.startswith("kustomize edit set image"))
    assert set(re.findall(r'"([a-z-]+)=\$', edit)) == named


def test_the_jobs_that_assume_the_deploy_role_run_in_the_environment_it_trusts() -> None:
    variables = (ROOT / "terraform" / "modules" / "iam" / "variables.tf").read_text()
    trusted = re.search(
        r'variable "github_environment" \{.*?default\s*=\s*"([^"]+)"', variables, re.DOTALL
    )
    assert trusted is not None
    for name, job in workflow(DEPLOY)["jobs"].items():
        assumes = any(
            step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
            for step in steps(job)
        )
        if assumes:
            assert job["environment"] == trusted.group(1), name
