"""`taskflow generate`: every generated file written or checked from one place; the committed
tree is current, and a copy with one file changed or removed is caught and then repaired."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from functions import generate, web_vocabulary
from functions.cli import main
from functions.deploy import nginx

REPO = Path(__file__).resolve().parents[2]
# One file of each artifact: a deployment file, the API document, an event schema, the
# web app's vocabulary.
ONE_OF_EACH = [
    nginx.TEMPLATE_PATH,
    generate.OPENAPI_PATH,
    f"{generate.EVENT_SCHEMA_DIR}/com.taskflow.task.created.json",
    web_vocabulary.PATH,
]


@pytest.fixture(autouse=True)
def dev_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # What `taskflow generate` assumes when unset; set here so the command changes nothing.
    monkeypatch.setenv("TASKFLOW_ENV", "dev")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A root holding a copy of every committed generated file, and nothing else."""
    for relative in generate.generated_files():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / relative, tmp_path / relative)
    return tmp_path


def test_the_committed_tree_is_what_generate_writes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "functions.cli", "generate", "--check"],
        cwd=REPO,
        env={**os.environ, "TASKFLOW_ENV": "dev"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "every generated file is current\n"), done.stderr


def test_every_kind_of_generated_file_is_among_the_artifacts() -> None:
    files = generate.generated_files()
    assert set(ONE_OF_EACH) <= set(files)
    assert "docker-compose.yml" in files
    assert any(path.startswith("knative/") for path in files)


def test_the_openapi_document_is_the_one_taskflow_openapi_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["openapi"])
    assert generate.generated_files()[generate.OPENAPI_PATH] == capsys.readouterr().out


@pytest.mark.parametrize("altered", ONE_OF_EACH)
def test_check_reports_exactly_the_altered_file_and_generate_repairs_it(
    tree: Path, altered: str, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (tree / altered).read_text()
    (tree / altered).write_text(original + "\nedited by hand\n")

    with pytest.raises(SystemExit) as exited:
        main(["generate", "--check", "--root", str(tree)])
    assert exited.value.code != 0
    assert capsys.readouterr().out.splitlines() == [f"stale: {altered}"]
    assert (tree / altered).read_text() != original  # --check wrote nothing

    main(["generate", "--root", str(tree)])
    assert capsys.readouterr().out.splitlines() == [f"wrote {altered}"]
    assert (tree / altered).read_text() == original

    main(["generate", "--check", "--root", str(tree)])
    assert capsys.readouterr().out == "every generated file is current\n"


def test_a_missing_file_is_reported_as_missing_and_written_back(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    removed = web_vocabulary.PATH
    original = (tree / removed).read_text()
    (tree / removed).unlink()

    with pytest.raises(SystemExit) as exited:
        main(["generate", "--check", "--root", str(tree)])
    assert exited.value.code != 0
    assert capsys.readouterr().out.splitlines() == [f"missing: {removed}"]
    assert not (tree / removed).exists()

    main(["generate", "--root", str(tree)])
    assert (tree / removed).read_text() == original
