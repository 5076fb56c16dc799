"""`taskflow cluster`: a process per function and per pipeline part, as supervisord reads it."""

from __future__ import annotations

from pathlib import Path

from supervisor.options import ServerOptions

from functions.cluster import function_ports, plan, supervisord_config
from functions.routes import EVENT, ROUTES, SCHEDULE, targets


def _parsed(tmp_path: Path) -> ServerOptions:
    config = tmp_path / "supervisord.conf"
    config.write_text(supervisord_config(plan("127.0.0.1", 8000, 9100, tmp_path), tmp_path))
    options = ServerOptions()
    # supervisord's own parser and checks, exactly as `supervisord -c` applies them.
    options.realize(args=["--configuration", str(config)])
    return options


def test_every_function_gets_a_port_of_its_own_in_table_order() -> None:
    ports = function_ports(9100)
    assert set(ports) == set(targets())
    assert sorted(ports.values()) == list(range(9100, 9100 + len(ports)))
    assert function_ports(9100) == ports  # the same on every run


def test_supervisord_accepts_the_configuration_and_runs_every_part(tmp_path: Path) -> None:
    options = _parsed(tmp_path)
    groups = {group.name: group.process_configs for group in options.process_group_configs}
    # Two groups, each stopped all at once on Ctrl-C (supervisord stops groups one by one).
    assert set(groups) == {"functions", "pipeline"}
    assert {p.name for p in groups["functions"]} == {"functions"}
    assert {p.name for p in groups["pipeline"]} == {"relay", "dispatch", "schedule", "gateway"}
    programs = {p.name: p for configs in groups.values() for p in configs}
    for name, program in programs.items():
        assert program.autorestart, name
        assert program.stopasgroup, name


def test_one_process_forks_every_function_each_on_its_own_port(tmp_path: Path) -> None:
    (functions,) = (p for p in plan("127.0.0.1", 8000, 9100, tmp_path) if p.name == "functions")
    command = functions.command
    assert command[1:3] == ["-m", "functions.serve"]
    assert command[command.index("--host") + 1] == "127.0.0.1"
    each = [command[n + 1] for n, part in enumerate(command) if part == "--each"]
    assert each == [f"{target}={port}" for target, port in function_ports(9100).items()]


def test_the_dispatcher_posts_to_each_subscriber_and_the_scheduler_to_each_timer(
    tmp_path: Path,
) -> None:
    programs = {p.name: p.command for p in plan("127.0.0.1", 8000, 9100, tmp_path)}
    ports = function_ports(9100)
    for route in ROUTES:
        expected = f"{route.target}=http://127.0.0.1:{ports[route.target]}{route.path}"
        if route.trigger == EVENT:
            assert expected in programs["dispatch"]
        if route.trigger == SCHEDULE:
            assert expected in programs["schedule"]
    gateway = programs["gateway"]
    assert gateway[gateway.index("--port") + 1] == "8000"
