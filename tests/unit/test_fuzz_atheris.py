"""The codec's checks under atheris (tests/fuzz/atheris_codec.py), briefly: libFuzzer mutates
the corpus, guided by the codec's coverage, and any check that fails ends the run non-zero.
`make fuzz` runs it for ATHERIS_RUNS inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fuzz.harness import CORPUS

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5000


def test_atheris_finds_nothing_wrong_with_the_codec_in_a_short_run(tmp_path: Path) -> None:
    found = tmp_path / "found"
    found.mkdir()
    command = [
        sys.executable,
        "-m",
        "tests.fuzz.atheris_codec",
        f"-runs={RUNS}",
        "-seed=1",
        str(found),
        str(CORPUS / "http"),
        str(CORPUS / "amqp"),
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-4000:]
    assert f"Done {RUNS} runs" in run.stderr, run.stderr[-2000:]
