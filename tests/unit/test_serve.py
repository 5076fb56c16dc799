"""`python -m functions.serve`: which targets it takes, and the server it configures."""

from __future__ import annotations

import pytest

from functions.routes import targets
from functions.serve import EX_USAGE, arguments, check_target, main, server_config


def test_it_takes_every_target_of_the_route_table() -> None:
    assert [target for target in targets() if check_target(target) is not None] == []


@pytest.mark.parametrize("target", ["", "list-tasks", "nothing"])
def test_it_refuses_a_target_the_route_table_lacks_naming_the_ones_there_are(target: str) -> None:
    problem = check_target(target)
    assert problem is not None
    assert "FUNCTION_TARGET" in problem
    assert "list_tasks" in problem


def test_an_unknown_target_among_several_ends_the_process_before_anything_is_imported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--each", "healthz=9000", "--each", "nothing=9001"])
    assert stopped.value.code == EX_USAGE
    assert "'nothing'" in capsys.readouterr().err


def test_each_target_takes_a_port_of_its_own() -> None:
    args = arguments().parse_args(["--each", "healthz=9000", "--each", "jwks=9001"])
    assert dict(args.each) == {"healthz": 9000, "jwks": 9001}
    with pytest.raises(SystemExit):
        arguments().parse_args(["--each", "healthz"])


def test_the_server_is_uvicorn_alone_with_uvloop_httptools_and_no_access_log() -> None:
    config = server_config(object(), "127.0.0.1", 9000)
    assert (config.loop, config.http, config.ws, config.lifespan) == (
        "uvloop",
        "httptools",
        "none",
        "off",
    )
    assert config.access_log is False
    assert config.timeout_graceful_shutdown == 30
