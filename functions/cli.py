"""The `taskflow` command: `dev` runs everything in one process; `cluster` runs a process per
function on the real servers; `migrate` updates a database; `relay`, `dispatch`, `schedule`
and `gateway` are the parts `cluster` (and a deployment) is made of."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from functions.commands import (
    cluster,
    dev,
    dispatch,
    gateway,
    generate,
    kn,
    migrate,
    openapi,
    prune,
    relay,
    render,
    schedule,
)


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its help line, the flags it takes and what it runs."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], None]
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments


COMMANDS: Final = (
    Command("dev", "run TaskFlow in one process", dev.run, dev.arguments),
    Command("migrate", "bring the configured database to the current schema", migrate.run),
    Command(
        "prune",
        "delete expired sign-in sessions and old published events (run it daily)",
        prune.run,
    ),
    Command("relay", "publish the outbox to RabbitMQ (TASKFLOW_AMQP_URL)", relay.run),
    Command(
        "dispatch",
        "deliver events from RabbitMQ to the subscriber functions over HTTP",
        dispatch.run,
        dispatch.arguments,
    ),
    Command(
        "cluster",
        "run every function as its own process on the real servers",
        cluster.run,
        cluster.arguments,
    ),
    Command(
        "gateway",
        "route each public path to its function's own process",
        gateway.run,
        gateway.arguments,
    ),
    Command(
        "schedule",
        "call the scheduled functions on a timer (the local PingSources)",
        schedule.run,
        schedule.arguments,
    ),
    Command(
        "render",
        "write the deployment files the route table renders (nginx, compose, Knative)",
        render.run,
        render.arguments,
    ),
    Command(
        "generate",
        "write every generated file: deployment files, the OpenAPI document, event schemas, "
        "the web app's vocabulary",
        generate.run,
        generate.arguments,
    ),
    Command(
        "openapi",
        "print the API's OpenAPI document (the web client is generated from it)",
        openapi.run,
        openapi.arguments,
    ),
    Command(
        "kn",
        "print (or run) the `kn service apply` command for every function",
        kn.run,
        kn.arguments,
    ),
)


def parser() -> argparse.ArgumentParser:
    """`taskflow` and a subparser per command, in the table's order."""
    taskflow = argparse.ArgumentParser(prog="taskflow", description=__doc__)
    subcommands = taskflow.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.arguments(subcommands.add_parser(command.name, help=command.help))
    return taskflow


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and run the subcommand it names."""
    args = parser().parse_args(argv)
    (command,) = (command for command in COMMANDS if command.name == args.command)
    command.run(args)


if __name__ == "__main__":
    main()
