"""The `taskflow` command: `dev` runs everything in one process; `cluster` runs a process per
function on the real servers; `migrate` updates a database; `relay`, `dispatch`, `schedule`
and `gateway` are the parts `cluster` (and a deployment) is made of."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress

from pydantic import ValidationError

from functions.cluster import DEFAULT_BASE_PORT
from functions.core.settings import Settings


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]) for e in exc.errors())
        sys.exit(f"taskflow: bad configuration: {messages}")


def dev(host: str, port: int) -> None:
    """The embedded mode: gateway and every function in one process, nothing to install."""
    import uvicorn

    from functions.core import migrate, runtime
    from functions.core.observability import configure_logging
    from functions.gateway import create_app

    os.environ.setdefault("TASKFLOW_ENV", "dev")
    settings = _settings()
    configure_logging(settings.log_level)
    migrate.upgrade(settings.effective_database_url)
    app = create_app(runtime.Runtime(settings), embedded_pipeline=True)
    mode = "embedded stand-ins" if settings.embedded else "configured servers"
    print(
        f"TaskFlow is running at http://{host}:{port}/ ({mode}; API docs at /api/docs)", flush=True
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="taskflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev_parser = commands.add_parser("dev", help="run TaskFlow in one process")
    dev_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    dev_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    commands.add_parser("migrate", help="bring the configured database to the current schema")
    commands.add_parser(
        "prune", help="delete expired sign-in sessions and old published events (run it daily)"
    )
    commands.add_parser("relay", help="publish the outbox to RabbitMQ (TASKFLOW_AMQP_URL)")
    dispatch_parser = commands.add_parser(
        "dispatch", help="deliver events from RabbitMQ to the subscriber functions over HTTP"
    )
    dispatch_parser.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="TARGET=URL",
        help="where to POST one target's events (repeatable); others follow "
        "TASKFLOW_FUNCTION_URL_TEMPLATE and the target's path",
    )
    cluster_parser = commands.add_parser(
        "cluster", help="run every function as its own process on the real servers"
    )
    cluster_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    cluster_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    cluster_parser.add_argument(
        "--base-port",
        type=int,
        default=DEFAULT_BASE_PORT,
        help="the first function's port; the others follow in route-table order",
    )
    gateway_parser = commands.add_parser(
        "gateway", help="route each public path to its function's own process"
    )
    gateway_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    gateway_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    gateway_parser.add_argument(
        "--upstreams", required=True, help="a JSON file mapping each target to its base URL"
    )
    schedule_parser = commands.add_parser(
        "schedule", help="call the scheduled functions on a timer (the local PingSources)"
    )
    schedule_parser.add_argument(
        "--url", action="append", default=[], metavar="TARGET=URL", help="repeatable"
    )
    render_parser = commands.add_parser(
        "render",
        help="write the deployment files the route table renders (nginx, compose, Knative)",
    )
    render_parser.add_argument("--root", default=".", help="the repository root to write under")
    render_parser.add_argument(
        "--check", action="store_true", help="write nothing; fail if a rendered file is stale"
    )
    openapi_parser = commands.add_parser(
        "openapi", help="print the API's OpenAPI document (the web client is generated from it)"
    )
    openapi_parser.add_argument("--output", help="write it to this file instead of stdout")
    kn_parser = commands.add_parser(
        "kn", help="print (or run) the `kn service apply` command for every function"
    )
    kn_parser.add_argument("--image", required=True, help="the TaskFlow image, with its tag")
    kn_parser.add_argument("--namespace", default="taskflow")
    kn_parser.add_argument(
        "--run", action="store_true", help="run the commands instead of printing"
    )
    args = parser.parse_args(argv)

    if args.command == "dev":
        dev(args.host, args.port)
    elif args.command == "cluster":
        from functions import cluster

        os.environ.setdefault("TASKFLOW_ENV", "dev")
        cluster.run(_settings(), args.host, args.port, args.base_port)
    elif args.command == "gateway":
        gateway(args.host, args.port, args.upstreams)
    elif args.command == "schedule":
        asyncio.run(schedule(_settings(), _target_urls(parser, args.url)))
    elif args.command == "migrate":
        from functions.core import migrate

        migrate.upgrade(_settings().effective_database_url)
        print("the database schema is current")
    elif args.command == "prune":
        settings = _settings()
        sessions, events = asyncio.run(prune(settings))
        print(
            f"deleted {sessions} expired refresh tokens and {events} events published more "
            f"than {settings.outbox_retention_hours} hours ago"
        )
    elif args.command == "relay":
        asyncio.run(relay(_settings()))
    elif args.command == "dispatch":
        asyncio.run(dispatch(_settings(), _target_urls(parser, args.url)))
    elif args.command == "openapi":
        openapi(args.output)
    elif args.command == "render":
        render(args.root, check=args.check)
    elif args.command == "kn":
        kn(args.image, args.namespace, run=args.run)


def openapi(output: str | None) -> None:
    """The gateway's OpenAPI document as stable, indented JSON."""
    import json
    from pathlib import Path

    os.environ.setdefault("TASKFLOW_ENV", "dev")  # the document needs no servers or keys
    from functions.gateway import openapi_document

    text = json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"
    if output:
        Path(output).write_text(text)
    else:
        sys.stdout.write(text)


def render(root: str, *, check: bool) -> None:
    """Write (or check) every deployment file rendered from the route table."""
    from pathlib import Path

    from functions.deploy import render as rendering

    if check:
        stale = rendering.stale(Path(root))
        if stale:
            sys.exit("taskflow: stale, run `taskflow render`: " + ", ".join(stale))
        print("every rendered deployment file is current")
        return
    for path in rendering.write(Path(root)):
        print(f"wrote {path}")


def kn(image: str, namespace: str, *, run: bool) -> None:
    """One `kn service apply` per function, from the route table."""
    import shlex
    import subprocess

    from functions.deploy.kn import commands

    for command in commands(image, namespace):
        if run:
            subprocess.run(command, check=True)  # noqa: S603 - our own argv, no shell
        else:
            print(shlex.join(command))


def gateway(host: str, port: int, upstreams_file: str) -> None:
    """The gateway alone, forwarding each public path to the process named for its target."""
    import json
    from pathlib import Path

    import uvicorn

    from functions.core.observability import configure_logging
    from functions.gateway import create_app

    settings = _settings()
    configure_logging(settings.log_level)
    upstreams = json.loads(Path(upstreams_file).read_text())
    app = create_app(upstreams=upstreams)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


async def schedule(settings: Settings, urls: dict[str, str]) -> None:
    """Call each scheduled function at its URL every TASKFLOW_DUE_SOON_INTERVAL_SECONDS."""
    import httpx

    from events.transport.scheduler import http_post, run_schedules, scheduled_routes
    from functions.core.observability import configure_logging

    configure_logging(settings.log_level)
    unknown = set(urls) - {route.target for route in scheduled_routes()}
    if unknown:
        sys.exit(f"taskflow: not scheduled functions: {', '.join(sorted(unknown))}")
    routes = [route for route in scheduled_routes() if route.target in urls]
    async with httpx.AsyncClient() as client:
        timers = asyncio.create_task(
            run_schedules(
                http_post(client, lambda route: urls[route.target]),
                settings.due_soon_interval_seconds,
                routes=routes,
            )
        )

        def stop() -> None:
            timers.cancel()

        _stop_on_signals(stop)
        with suppress(asyncio.CancelledError):
            await timers


async def prune(settings: Settings) -> tuple[int, int]:
    """Delete expired refresh tokens and published events past their retention."""
    from datetime import timedelta

    from functions.core.clock import utcnow
    from functions.core.database import transaction
    from functions.core.outbox import prune_published
    from functions.core.runtime import Runtime
    from functions.core.services.accounts import prune_sessions

    rt = Runtime(settings)
    retained = utcnow() - timedelta(hours=settings.outbox_retention_hours)
    try:
        async with transaction(rt.engine) as conn:
            return await prune_sessions(conn), await prune_published(conn, retained)
    finally:
        await rt.close()


def _amqp_url(settings: Settings) -> str:
    if not settings.amqp_url:
        sys.exit("taskflow: set TASKFLOW_AMQP_URL (amqp://user:password@host:5672/vhost)")
    return settings.amqp_url


def _target_urls(parser: argparse.ArgumentParser, pairs: list[str]) -> dict[str, str]:
    urls = {}
    for pair in pairs:
        target, separator, url = pair.partition("=")
        if not separator or not target or not url:
            parser.error(f"--url takes TARGET=URL, not {pair!r}")
        urls[target] = url
    return urls


def _stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGINT and SIGTERM end the loop cleanly (deliveries in flight finish first)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)


async def relay(settings: Settings) -> None:
    """Publish the outbox until SIGINT/SIGTERM, declaring the topology first."""
    from events.transport.delivery import until_available
    from events.transport.relay import AmqpPublisher, OutboxRelay, log
    from events.transport.topology import (
        BrokerUnavailable,
        TopologyMismatch,
        declare_topology,
        topology_for,
    )
    from functions.core.observability import configure_logging
    from functions.core.runtime import Runtime

    configure_logging(settings.log_level)
    url = _amqp_url(settings)
    subscribers: dict[str, tuple[str, ...]] | None = (
        None if settings.declare_subscriber_queues else {}
    )
    topology = topology_for(settings.delivery_limit, subscribers)
    rt = Runtime(settings)
    outbox_relay = OutboxRelay(rt.engine, AmqpPublisher(url, topology), settings)
    stopping = asyncio.Event()

    def stop() -> None:
        stopping.set()
        outbox_relay.stop()

    _stop_on_signals(stop)
    try:
        async for attempt in until_available(
            settings, stopping, (BrokerUnavailable,), log, "declare the topology"
        ):
            with attempt:
                await declare_topology(url, topology)
        await outbox_relay.run()
    except BrokerUnavailable:
        pass  # stopped before RabbitMQ came back
    except TopologyMismatch as exc:
        sys.exit(f"taskflow: RabbitMQ has other queue settings: {exc}")
    finally:
        await rt.close()


async def dispatch(settings: Settings, urls: dict[str, str]) -> None:
    """Deliver events until SIGINT/SIGTERM; the topology is declared on each connection."""
    from events.transport.dispatch import Dispatcher
    from events.transport.topology import TopologyMismatch
    from functions.core.observability import configure_logging

    configure_logging(settings.log_level)
    try:
        dispatcher = Dispatcher(settings, _amqp_url(settings), urls=urls)
    except (KeyError, ValueError) as exc:
        sys.exit(f"taskflow: {exc}")
    _stop_on_signals(dispatcher.stop)
    try:
        await dispatcher.run()
    except TopologyMismatch as exc:
        sys.exit(f"taskflow: RabbitMQ has other queue settings: {exc}")


if __name__ == "__main__":
    main()
