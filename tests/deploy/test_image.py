"""The Dockerfile: clean under hadolint, pinned bases, a non-root runtime, a tight context."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

from tests.deploy import podman_images
from tests.e2e.conftest import BIN, ROOT

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
HADOLINT = BIN / "hadolint"


def _hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    # From the repository root: a .hadolint.yaml there would apply, as it does for a reader.
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(dockerfile)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, arguments in _instructions():
        if keyword == "FROM":
            name = arguments.split(" AS ")[-1].strip() if " AS " in arguments else arguments
            current = stages.setdefault(name, [])
        current.append((keyword, arguments))
    return stages


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    linted = _hadolint(DOCKERFILE)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert not (ROOT / ".hadolint.yaml").exists(), "no rule is ignored"


def test_hadolint_does_find_the_faults_of_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y curl\n"
        "RUN cd /app && pip install flask\nADD app.py /app/\n"
    )
    linted = _hadolint(careless)
    assert linted.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3003", "DL3013", "DL3020"):
        assert rule in linted.stdout, linted.stdout


def test_every_base_image_has_an_exact_version() -> None:
    bases = [args.split()[0] for keyword, args in _instructions() if keyword == "FROM"]
    assert bases, "the Dockerfile has stages"
    for base in bases:
        assert re.search(r":\d+\.\d+\.\d+-", base), f"{base} is not an exact version"


def test_every_base_image_has_a_stand_in_for_the_podman_build() -> None:
    # tests/deploy/test_image_run.py builds the Dockerfile on these (no registry is reachable).
    for base in podman_images.dockerfile_bases():
        assert podman_images.stand_in_file(base).exists(), base


def test_the_default_target_serves_functions_as_a_numeric_non_root_user() -> None:
    stages = _stages()
    final = list(stages)[-1]
    assert final == "runtime", "`docker build .` builds the function image"
    runtime = dict(stages["runtime"])
    users = [args for keyword, args in stages["runtime"] if keyword == "USER"]
    assert users[-1] == "10001:10001"
    assert runtime["ENTRYPOINT"] == '["/usr/local/bin/taskflow-entrypoint"]'
    assert runtime["EXPOSE"] == "8080"
    environment = " ".join(args for keyword, args in stages["runtime"] if keyword == "ENV")
    for setting in ("PORT=8080", "HOME=/tmp", "TMPDIR=/tmp", "PYTHONDONTWRITEBYTECODE=1"):
        assert setting in environment
    # The gateway commands find the web build where the image puts it.
    web_dist = re.search(r"TASKFLOW_WEB_DIST=(\S+)", environment)
    assert web_dist is not None
    assert ("COPY", f"--from=web /web/dist {web_dist.group(1)}") in stages["runtime"]


def test_the_gateway_target_runs_nginx_unprivileged_on_8080() -> None:
    gateway = _stages()["gateway"]
    assert gateway[0][1].startswith("nginxinc/nginx-unprivileged:")
    assert ("USER", "101") in gateway
    assert ("EXPOSE", "8080") in gateway
    copies = [args for keyword, args in gateway if keyword == "COPY"]
    assert (
        "knative/base/gateway/default.conf.template /etc/nginx/templates/default.conf.template"
        in copies
    )


def test_the_package_is_installed_as_locked_and_compiled_once() -> None:
    builder = [(keyword, " ".join(args.split())) for keyword, args in _stages()["builder"]]
    runs = [args for keyword, args in builder if keyword == "RUN"]
    dependencies, package = runs[-2], runs[-1]
    locked = "pip install --no-cache-dir --no-compile --constraint requirements.lock"
    assert f"{locked} --requirement" in dependencies
    assert f"{locked} --no-deps ." in package
    assert "pip check" in package
    assert "compileall" in package
    assert "--invalidation-mode unchecked-hash" in package
    # The dependency layer is built from the project's list and the lock alone, before any
    # source is copied: a change to the sources or the README leaves it in the cache.
    copies = [args for keyword, args in builder if keyword == "COPY"]
    assert copies[0] == "pyproject.toml requirements.lock ./"
    assert builder.index(("RUN", dependencies)) < builder.index(("COPY", copies[1]))


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, as far as these patterns use it: a path or any parent matched."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(
                candidate.rsplit("/", 1)[-1], pattern[3:]
            ):
                return True
    return False


def test_the_build_context_leaves_out_environments_history_and_test_output() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (".venv/bin/python", "web/node_modules/vite/index.js", ".git/HEAD"):
        assert _ignored(path, patterns), path
    assert _ignored("test-output/report.xml", patterns)
    # What the Dockerfile copies must stay in the context.
    sources = [
        source
        for keyword, args in _instructions()
        if keyword == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    sources += ["web/src/main.tsx", "functions/main.py", "events/types.py"]
    for source in sources:
        assert not _ignored(source.rstrip("/"), patterns), f"{source} is left out of the context"
