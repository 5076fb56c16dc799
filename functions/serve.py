"""A function's process: functions-framework's ASGI app for its target, served by uvicorn.

    python -m functions.serve [--target NAME] [--host HOST] [--port PORT]
    python -m functions.serve --host HOST --each NAME=PORT [--each NAME=PORT ...]

(FUNCTION_TARGET, HOST and PORT by default.) The image's entrypoint and the benchmarks start a
function the first way. `taskflow cluster` starts them all the second way: one process imports
every target's module, then forks a process per target, each on its own port (preload then
fork: they share the imported modules' memory, and start in a fraction of the time fifty
interpreters importing the same packages would take).

The app is the one `functions-framework --asgi` builds (`functions_framework.aio`); only the
server differs. `functions-framework --asgi` puts a gunicorn arbiter in front of one uvicorn
worker; here uvicorn serves alone. Knative scales instances, not workers: the arbiter was a
second process that made each cold start slower and each instance ~65 MiB bigger (README,
"Performance"). `taskflow dev` serves its one process with uvicorn too.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from functions.routes import targets

if TYPE_CHECKING:
    import uvicorn

# The source file functions-framework loads; it defines no function, it looks targets up.
MAIN_SOURCE: Final = Path(__file__).resolve().with_name("main.py")
EX_USAGE: Final = 64
# In-flight requests (a live stream too) get this long after SIGTERM, as gunicorn gave them.
GRACEFUL_SHUTDOWN_SECONDS: Final = 30
# A forked function that dies is forked again, no sooner than this after its last start.
RESTART_DELAY_SECONDS: Final = 1.0

log = logging.getLogger("taskflow.serve")


def check_target(target: str) -> str | None:
    """Why `target` cannot be served, or None when the route table has it."""
    if target in targets():
        return None
    problem = "is not set" if not target else f"names no function ({target!r})"
    return (
        f"taskflow: FUNCTION_TARGET {problem}; set it to one of: {', '.join(targets())}; "
        "or pass a taskflow command (relay, dispatch, schedule, migrate, prune, gateway, dev)"
    )


def create_app(target: str) -> Any:
    """functions-framework's ASGI app for `target`, its module imported now (not on the first
    request)."""
    from functions_framework.aio import create_asgi_app

    return create_asgi_app(target, str(MAIN_SOURCE))  # type: ignore[no-untyped-call]


def server_config(app: Any, host: str, port: int) -> uvicorn.Config:
    """uvloop and httptools (1.85x the asyncio and h11 defaults), no access log (the edge
    logs each request once), no WebSocket or lifespan machinery (no function uses either)."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def serve(target: str, host: str, port: int) -> None:
    """Serve `target` until SIGTERM or SIGINT, then exit 0."""
    exit_when_stopped()
    app = create_app(target)
    keep_imported_objects_out_of_collections()
    uvicorn_server(server_config(app, host, port)).run()


def keep_imported_objects_out_of_collections() -> None:
    """Move what importing created (~100k objects) where the collector never looks again:
    a full collection walking all of them took tens of milliseconds, a request's p99. (No
    collection first: it would cost the cold start as much; import leaves little garbage.)"""
    gc.freeze()


def exit_when_stopped() -> None:
    """SIGTERM and SIGINT end the process with status 0: before the server runs, at once; while
    it runs, uvicorn's handlers finish the requests in flight, then raise the signal again
    (which would otherwise end the process as killed by it)."""

    def stopped(signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before any fork: a function forked again serves on it at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_each(ports: Mapping[str, int], host: str) -> None:
    """Every target in `ports` in a process of its own, forked from this one once it has
    imported them all; a process that dies is forked again; SIGTERM or SIGINT stops them all."""
    from functions.core.observability import configure_logging

    configure_logging("INFO")
    apps = {target: create_app(target) for target in ports}
    sockets = {target: bind(host, port) for target, port in ports.items()}
    # Also what keeps the children's shared pages shared: the collector never writes to them.
    gc.collect()
    keep_imported_objects_out_of_collections()
    children: dict[int, str] = {}
    started: dict[str, float] = {}
    stopping = False

    def fork(target: str) -> None:
        started[target] = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: this function's server, until it is told to stop
            code = 0
            try:
                exit_when_stopped()
                stop_with_parent()
                for name, sock in sockets.items():
                    if name != target:
                        sock.close()
                os.environ["FUNCTION_TARGET"] = target
                config = server_config(apps[target], host, ports[target])
                uvicorn_server(config).run(sockets=[sockets[target]])
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 1
            except BaseException:  # reported; the parent forks it again
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        children[pid] = target
        log.info("function started", extra={"fields": {"function": target, "pid": pid}})

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for target in ports:
        fork(target)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        target = children.pop(pid, "")
        if stopping or not target:
            continue
        log.warning(
            "function exited",
            extra={"fields": {"function": target, "pid": pid, "status": status}},
        )
        time.sleep(max(0.0, started[target] + RESTART_DELAY_SECONDS - time.monotonic()))
        if not stopping:
            fork(target)


def stop_with_parent() -> None:
    """Ask Linux for a SIGTERM when the parent dies, however it dies: a forked function left
    behind would hold its port, and the parent started again could not bind it."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def uvicorn_server(config: uvicorn.Config) -> uvicorn.Server:
    import uvicorn

    return uvicorn.Server(config)


def target_port(pair: str) -> tuple[str, int]:
    """One `--each NAME=PORT` value."""
    target, _, port = pair.partition("=")
    if not port.isdigit():
        raise argparse.ArgumentTypeError(f"takes NAME=PORT, not {pair!r}")
    return target, int(port)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m functions.serve", description=__doc__)
    parser.add_argument("--target", default=os.environ.get("FUNCTION_TARGET", ""))
    # Every address by default (a container's only way in); HOST narrows it.
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument(
        "--each",
        action="append",
        type=target_port,
        default=[],
        metavar="NAME=PORT",
        help="serve this target on this port, in a process forked from this one (repeatable)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = arguments().parse_args(argv)
    ports = dict(args.each)
    for target in ports or [args.target]:
        problem = check_target(target)
        if problem is not None:
            print(problem, file=sys.stderr)
            sys.exit(EX_USAGE)  # the process was started wrongly, not broken
    if ports:
        serve_each(ports, args.host)
    else:
        serve(args.target, args.host, args.port)


if __name__ == "__main__":
    main()
