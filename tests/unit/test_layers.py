"""The layers are a contract that `lint-imports` checks: shown here to pass on the tree as it is
and to fail on a copy given one deliberate violation per rule."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the two packages and the contracts, to break on purpose."""
    for package in ("functions", "events"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_tree_keeps_every_layer_contract(tree: Path) -> None:
    linted = _lint(tree)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "0 broken" in linted.stdout


@pytest.mark.parametrize(
    ("module", "violation", "reported"),
    [
        (
            "events/types.py",
            "import functions.core.clock",
            "events.types is not allowed to import functions",
        ),
        (
            "events/models.py",
            "import sqlalchemy",
            "events.models is not allowed to import sqlalchemy",
        ),
        (
            "functions/core/clock.py",
            "import functions.edge",
            "functions.core.clock -> functions.edge",
        ),
        (
            "functions/core/kv.py",
            "import starlette.responses",
            "functions.core is not allowed to import starlette",
        ),
        (
            "functions/projects.py",
            "import functions.tasks",
            "functions.projects is not allowed to import functions.tasks",
        ),
        (
            "functions/tasks.py",
            "import fastapi",
            "functions.tasks is not allowed to import fastapi",
        ),
    ],
)
def test_a_deliberate_violation_breaks_the_contract(
    tree: Path, module: str, violation: str, reported: str
) -> None:
    _append(tree / module, violation)
    linted = _lint(tree)
    assert linted.returncode != 0
    assert reported in linted.stdout, linted.stdout
