"""The Dockerfile built for real with podman, on local stand-ins of its base images.

Why stand-ins: no container registry can be reached from the machines that run these tests
(only PyPI, npm's registry and Debian's archive can), so `node`, `python` and
`nginxinc/nginx-unprivileged` cannot be pulled. Each is replaced by an image made here from
Debian's own packages: a bookworm root filesystem from `debootstrap` (imported into podman
once and cached), then a small Containerfile per base (tests/deploy/podman/stand-ins/) that
gives it what the official image has and the Dockerfile relies on: Python 3.11 with `python`
and `venv`; Node.js 20 with npm where the official image puts them; Debian's nginx laid out
as nginx-unprivileged is (user 101, port 8080, /tmp for its pid and temporary files, templates
filled into conf.d at start). Each stand-in is tagged with the exact name the Dockerfile's
FROM uses, and the build never pulls (`--pull=never`), so the real Dockerfile builds unchanged.

Everything is cached: the root filesystem under /var/cache/taskflow-image-bases (by a hash of
its recipe), the stand-ins in podman's storage (by a hash of theirs, in a label), and the
TaskFlow build in podman's layer cache. The first build takes minutes; later ones seconds.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tests.e2e.conftest import ROOT

PODMAN: Final = shutil.which("podman")
DEBOOTSTRAP: Final = shutil.which("debootstrap") or (
    "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None
)
HERE: Final = Path(__file__).resolve().parent / "podman"
# Limits and the OCI runtime this machine's podman needs (see the file).
CONTAINERS_CONF: Final = HERE / "containers.conf"
STAND_INS: Final = HERE / "stand-ins"
CACHE: Final = Path(os.environ.get("TASKFLOW_IMAGE_BASES", "/var/cache/taskflow-image-bases"))
DEBIAN_SUITE: Final = "bookworm"
DEBIAN_MIRROR: Final = "http://deb.debian.org/debian"
# The stand-in for each base the Dockerfile names, by the image's repository.
STAND_IN_FOR: Final = {
    "node": "node.Containerfile",
    "python": "python.Containerfile",
    "nginxinc/nginx-unprivileged": "nginx-unprivileged.Containerfile",
}
# The trust store the stand-ins carry (see python.Containerfile).
TRUST_STORE: Final = Path("/etc/ssl/certs/ca-certificates.crt")
LABEL: Final = "org.taskflow.stand-in"
# The images built from the Dockerfile, tagged for a reader; the tests run them by id.
RUNTIME_TAG: Final = "localhost/taskflow:podman-test"
GATEWAY_TAG: Final = "localhost/taskflow-gateway:podman-test"


@dataclass(frozen=True)
class Images:
    runtime: str  # image ids
    gateway: str


def podman(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """One podman command with this machine's settings; never raises for its exit code."""
    environment = {**os.environ, **(env or {}), "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    assert PODMAN is not None
    return subprocess.run(
        [PODMAN, *args], env=environment, capture_output=True, text=True, timeout=timeout
    )


def checked(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{' '.join(done.args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout.strip()


def qualified(name: str) -> str:
    """The name podman resolves a Docker Hub short name to."""
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    return f"docker.io/{name}" if "/" in name else f"docker.io/library/{name}"


def dockerfile_bases() -> list[str]:
    """Each base image the Dockerfile's stages start from, in order, without repeats."""
    names = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    return list(dict.fromkeys(names))


def stand_in_file(base: str) -> Path:
    repository = base.rsplit(":", 1)[0]
    return STAND_INS / STAND_IN_FOR[repository]


def _digest(*parts: bytes) -> str:
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(hashlib.sha256(part).digest())
    return hashed.hexdigest()[:16]


def _debian_recipe() -> bytes:
    return f"debootstrap --variant=minbase {DEBIAN_SUITE} {DEBIAN_MIRROR}".encode()


def _node() -> tuple[Path, Path]:
    """This machine's node binary and its npm package."""
    found = shutil.which("node")
    assert found, "Node.js 20 is needed for the node stand-in"
    node = Path(found).resolve()
    return node, node.parent.parent / "lib" / "node_modules" / "npm"


def _stand_ins_key() -> str:
    node, npm = _node()
    versions = subprocess.run(
        [str(node), "-p", f"process.version + require('{npm}/package.json').version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = sorted(STAND_INS.iterdir())
    return _digest(
        _debian_recipe(),
        versions.encode(),
        TRUST_STORE.read_bytes(),
        *(path.name.encode() + path.read_bytes() for path in files),
    )


@contextmanager
def _locked() -> Iterator[None]:
    """One build at a time on this machine: parallel test processes wait, then reuse it."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _debian_tag() -> str:
    return f"localhost/taskflow-stand-in/debian:{DEBIAN_SUITE}-{_digest(_debian_recipe())}"


def _debian_base() -> str:
    """A bookworm image from Debian's packages (what debian:bookworm-slim is), made once."""
    tag = _debian_tag()
    if podman("image", "exists", tag).returncode == 0:
        return tag
    archive = CACHE / f"debian-{DEBIAN_SUITE}-{_digest(_debian_recipe())}.tar"
    if not archive.exists():
        assert DEBOOTSTRAP, "debootstrap is needed to build the base"
        work = CACHE / "debootstrap"
        shutil.rmtree(work, ignore_errors=True)
        root = work / "rootfs"
        done = subprocess.run(
            [DEBOOTSTRAP, "--variant=minbase", DEBIAN_SUITE, str(root), DEBIAN_MIRROR],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        # As slim as the official slim images: no downloaded packages, no package lists.
        for leftovers in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in (root / leftovers).glob("*"):
                if path.is_file():
                    path.unlink()
        partial = archive.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "-cf", str(partial), "."], check=True)
        partial.rename(archive)
        shutil.rmtree(work)
    checked(podman("import", "--change", 'CMD ["bash"]', str(archive), tag, timeout=300))
    return tag


def _build_stand_ins() -> None:
    """Each base the Dockerfile names, as a stand-in, unless the current recipe built it."""
    key = _stand_ins_key()
    bases = dockerfile_bases()
    current = [
        podman("image", "inspect", "--format", f'{{{{index .Labels "{LABEL}"}}}}', qualified(b))
        for b in bases
    ]
    if all(done.returncode == 0 and done.stdout.strip() == key for done in current):
        return
    debian = _debian_base()
    context = CACHE / f"stand-ins-{key}"
    if not context.exists():
        partial = CACHE / f"stand-ins-{key}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(STAND_INS, partial)
        node, npm = _node()
        shutil.copy2(node, partial / "node")
        shutil.copytree(npm, partial / "npm", symlinks=True)
        shutil.copy2(TRUST_STORE, partial / "ca-certificates.crt")
        partial.rename(context)
    for base in bases:
        checked(
            podman(
                "build",
                "--pull=never",
                "--network=host",
                "--build-arg",
                f"BASE={debian}",
                "--label",
                f"{LABEL}={key}",
                "--file",
                str(context / stand_in_file(base).name),
                "--tag",
                qualified(base),
                str(context),
                timeout=900,
            )
        )
    for stale in CACHE.glob("stand-ins-*"):
        if stale != context:
            shutil.rmtree(stale, ignore_errors=True)


def _build(target: str, tag: str) -> str:
    before = podman("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()
    iidfile = CACHE / f"iid-{os.getpid()}-{target}"
    try:
        checked(
            podman(
                "build",
                "--pull=never",
                # The build's steps reach PyPI and npm's registry as this machine does.
                "--network=host",
                "--target",
                target,
                "--iidfile",
                str(iidfile),
                "--tag",
                tag,
                str(ROOT),
                timeout=1800,
            )
        )
        built = iidfile.read_text().strip().removeprefix("sha256:")
    finally:
        iidfile.unlink(missing_ok=True)
    if before and before != built:
        # The image this one replaces, unless a container still uses it: each change to the
        # sources would otherwise leave a copy of the virtual environment behind.
        podman("rmi", before)
    return built


def missing_tools() -> str | None:
    """Why the images cannot be built here, or None."""
    if PODMAN is None:
        return "podman is not installed (.ci/run installs it)"
    if DEBOOTSTRAP is None and podman("image", "exists", _debian_tag()).returncode != 0:
        return "debootstrap is not installed (.ci/run installs it) and no Debian base is cached"
    return None


def build_images() -> Images:
    """The Dockerfile's default target and its gateway, built on the stand-ins."""
    with _locked():
        _build_stand_ins()
        return Images(
            runtime=_build("runtime", RUNTIME_TAG), gateway=_build("gateway", GATEWAY_TAG)
        )
