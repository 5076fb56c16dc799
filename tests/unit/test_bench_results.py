"""The benchmark table: rows recorded by each bench, saved with the machine, and compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import results
from bench.compare import compare
from bench.results import Row


def test_a_bench_run_alone_records_nothing_and_under_bench_all_appends_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collected = tmp_path / "rows.jsonl"
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)
    results.record([Row("cold_start", "login", "ms", 400.0, 320.0)])
    assert not collected.exists()

    monkeypatch.setenv(results.RESULTS_ENV, str(collected))
    results.record([Row("cold_start", "login", "ms", 400.0, 320.0, "<= 1.5x")])
    results.record([Row("streams", "RSS per stream", "KiB", 47.0)])
    rows = results.read_rows(collected)
    assert [(r.bench, r.what, r.ratio) for r in rows] == [
        ("cold_start", "login", 1.25),
        ("streams", "RSS per stream", None),
    ]


def test_a_saved_run_loads_back_with_the_machine_it_ran_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    rows = [Row("list_tasks", "req/s", "1/s", 800.0, 1000.0, ">= 0.8x")]
    machine, loaded = results.load(results.write(rows, "test"))
    assert loaded == rows
    assert machine["cores"] >= 1
    assert "login" not in results.render(rows)
    assert "0.80x" in results.render(rows)


def test_two_runs_compare_row_by_row_with_the_change() -> None:
    a = [Row("cold_start", "login", "ms", 400.0, 320.0), Row("x", "gone", "ms", 1.0)]
    b = [Row("cold_start", "login", "ms", 300.0, 300.0), Row("x", "new", "ms", 2.0)]
    header, *lines = compare(a, b)
    assert header[-1] == "B/A"
    assert lines[0] == ("cold_start", "login", "400 ms", "300 ms", "1.25x", "1.00x", "0.75x")
    assert [line[:2] for line in lines[1:]] == [("x", "gone"), ("x", "new")]
