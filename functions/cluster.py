"""`taskflow cluster`: the Knative topology on one machine, against the real servers.

Each function runs as its own process on its own port (functions-framework's app under
uvicorn, as in the image), beside the relay, the dispatcher (the Knative Triggers), the
scheduler (the PingSources) and a gateway that forwards each public path to its function.
The function processes are forked from one that imported them all first (`python -m
functions.serve --each ...`), which forks again any that dies. supervisord runs that one and
the rest: a program that dies is logged and restarted, and Ctrl-C stops every one.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from functions.core.settings import Settings
from functions.routes import EVENT, ROUTES, SCHEDULE

DEFAULT_BASE_PORT: Final = 8100
FUNCTIONS: Final = "functions"
PIPELINE: Final = "pipeline"
BIN: Final = Path(sys.executable).parent


@dataclass(frozen=True)
class Program:
    name: str
    command: list[str]
    # supervisord stops one group at a time, and every process of a group at once.
    group: str
    environment: dict[str, str] = field(default_factory=dict)


def function_ports(base_port: int) -> dict[str, int]:
    """Each target's port: in route-table order from `base_port`, the same on every run."""
    targets = dict.fromkeys(route.target for route in ROUTES)
    return {target: base_port + n for n, target in enumerate(targets)}


def function_urls(host: str, base_port: int) -> dict[str, str]:
    return {target: f"http://{host}:{port}" for target, port in function_ports(base_port).items()}


def plan(host: str, port: int, base_port: int, workdir: Path) -> list[Program]:
    """Every process of the local cluster, with its command line."""
    urls = function_urls("127.0.0.1", base_port)
    # One process imports every function, then forks one per function on its own port.
    programs = [
        Program(
            FUNCTIONS,
            [
                sys.executable,
                "-m",
                "functions.serve",
                "--host",
                "127.0.0.1",
                *_each(
                    "--each",
                    [f"{target}={number}" for target, number in function_ports(base_port).items()],
                ),
            ],
            FUNCTIONS,
        )
    ]
    subscriber_urls = [
        f"{route.target}={urls[route.target]}{route.path}"
        for route in ROUTES
        if route.trigger == EVENT
    ]
    scheduled_urls = [
        f"{route.target}={urls[route.target]}{route.path}"
        for route in ROUTES
        if route.trigger == SCHEDULE
    ]
    taskflow = str(BIN / "taskflow")
    upstreams = workdir / "upstreams.json"
    upstreams.write_text(json.dumps(urls, indent=2))
    programs += [
        Program("relay", [taskflow, "relay"], PIPELINE),
        Program("dispatch", [taskflow, "dispatch", *_each("--url", subscriber_urls)], PIPELINE),
        Program("schedule", [taskflow, "schedule", *_each("--url", scheduled_urls)], PIPELINE),
        Program(
            "gateway",
            [
                taskflow,
                "gateway",
                "--host",
                host,
                "--port",
                str(port),
                "--upstreams",
                str(upstreams),
            ],
            PIPELINE,
        ),
    ]
    return programs


def _each(flag: str, values: list[str]) -> list[str]:
    return [part for value in values for part in (flag, value)]


def supervisord_config(programs: list[Program], workdir: Path) -> str:
    """A supervisord configuration: foreground, every program restarted when it dies."""
    config: dict[str, dict[str, str]] = {}
    socket = workdir / "supervisor.sock"
    config["supervisord"] = {
        "nodaemon": "true",
        "logfile": str(workdir / "supervisord.log"),
        "pidfile": str(workdir / "supervisord.pid"),
        "childlogdir": str(workdir),
        "loglevel": "info",
    }
    config["unix_http_server"] = {"file": str(socket)}
    config["rpcinterface:supervisor"] = {
        "supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"
    }
    config["supervisorctl"] = {"serverurl": f"unix://{socket}"}
    for program in programs:
        section = {
            "command": " ".join(_quoted(part) for part in program.command),
            "autostart": "true",
            "autorestart": "true",
            "startsecs": "2",
            "startretries": "10",
            "stopsignal": "TERM",
            "stopwaitsecs": "10",
            # The whole group: the forked functions go with the process they came from.
            "stopasgroup": "true",
            "killasgroup": "true",
            "redirect_stderr": "true",
            "stdout_logfile": "/dev/stdout",
            "stdout_logfile_maxbytes": "0",
        }
        if program.environment:
            section["environment"] = ",".join(
                f'{name}="{value}"' for name, value in program.environment.items()
            )
        config[f"program:{program.name}"] = section
    for group in dict.fromkeys(program.group for program in programs):
        members = [program.name for program in programs if program.group == group]
        config[f"group:{group}"] = {"programs": ",".join(members)}
    lines: list[str] = []
    for name, values in config.items():
        lines.append(f"[{name}]")
        lines += [f"{key}={value}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def _quoted(part: str) -> str:
    # supervisord splits commands like a shell (shlex); percent signs are its own expansions.
    if any(c in part for c in " \"'%"):
        raise ValueError(f"cannot pass {part!r} to supervisord unquoted")
    return part


def run(settings: Settings, host: str, port: int, base_port: int) -> None:
    """Prepare the database and keys once, write the configuration, and hand over to
    supervisord (it replaces this process, so Ctrl-C reaches it directly)."""
    missing = [
        name
        for name, value in (
            ("TASKFLOW_DATABASE_URL", settings.database_url),
            ("TASKFLOW_REDIS_URL", settings.redis_url),
            ("TASKFLOW_AMQP_URL", settings.amqp_url),
        )
        if not value
    ]
    if missing:
        sys.exit(f"taskflow cluster runs against real servers: set {', '.join(missing)}")
    from functions.core import migrate
    from functions.core.security.keys import load_key_set

    migrate.upgrade(settings.effective_database_url)
    # Generated once here in dev, so every process signs and verifies with the same key.
    load_key_set(settings.jwt_private_key, settings.jwt_previous_public_keys, settings.data_dir)
    workdir = (settings.data_dir / "cluster").resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if settings.ses_endpoint_url is None and settings.mail_dir is None:
        # A laptop's cluster has no SES: its mail (reset links, verification links, notices)
        # is written here, where the functions started below find it through the environment.
        os.environ["TASKFLOW_MAIL_DIR"] = str(workdir / "mail")
        print(f"TaskFlow cluster: e-mail is written to {workdir / 'mail'}")
    config = workdir / "supervisord.conf"
    config.write_text(supervisord_config(plan(host, port, base_port, workdir), workdir))
    print(f"TaskFlow cluster: gateway at http://{host}:{port}/ (supervisord config {config})")
    sys.stdout.flush()
    supervisord = str(BIN / "supervisord")
    # Replaced, not spawned: supervisord must be the process that Ctrl-C reaches.
    os.execv(supervisord, [supervisord, "--nodaemon", "--configuration", str(config)])  # noqa: S606
