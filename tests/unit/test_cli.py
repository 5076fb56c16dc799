"""`taskflow`: every subcommand declared once, parsed and run by one table, and cheap to start."""

from __future__ import annotations

import subprocess
import sys

import pytest

from functions import cli

# What a function's cold start must not pay for just to print its help.
HEAVY: tuple[str, ...] = ("fastapi", "starlette", "sqlalchemy", "pika", "uvicorn")


def _imported_after(argv: list[str]) -> set[str]:
    """The top-level packages a fresh interpreter has imported after `taskflow <argv>`."""
    probe = (
        "import sys\n"
        "from functions.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def test_every_subcommand_is_declared_once() -> None:
    names = [command.name for command in cli.COMMANDS]
    assert len(names) == len(set(names))
    assert {"dev", "cluster", "migrate", "prune", "relay", "dispatch", "schedule"} <= set(names)
    assert {"gateway", "render", "openapi", "kn"} <= set(names)


@pytest.mark.parametrize("command", cli.COMMANDS, ids=lambda command: command.name)
def test_each_subcommand_prints_its_help_and_exits_cleanly(
    command: cli.Command, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([command.name, "--help"])
    assert exited.value.code == 0
    assert f"usage: taskflow {command.name}" in capsys.readouterr().out


def test_help_imports_no_web_framework_database_or_broker_client() -> None:
    imported = _imported_after(["--help"])
    assert "functions" in imported  # the probe ran the command
    assert imported.isdisjoint(HEAVY), imported & set(HEAVY)


def test_the_probe_sees_heavy_imports_when_a_command_makes_them() -> None:
    # The control for the test above: `openapi` builds the gateway, so FastAPI is loaded.
    assert "fastapi" in _imported_after(["openapi", "--output", "/dev/null"])


def test_a_malformed_target_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["dispatch", "--url", "no-equals-sign"])
    assert exited.value.code == 2
    assert "TARGET=URL, not 'no-equals-sign'" in capsys.readouterr().err


def test_a_missing_subcommand_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([])
    assert exited.value.code == 2
