"""`taskflow cluster`: every function as its own process, on the real servers."""

from __future__ import annotations

import argparse
import os

from functions.cluster import DEFAULT_BASE_PORT
from functions.commands.configuration import load_settings
from functions.commands.options import add_listen_options


def arguments(parser: argparse.ArgumentParser) -> None:
    add_listen_options(parser)
    parser.add_argument(
        "--base-port",
        type=int,
        default=DEFAULT_BASE_PORT,
        help="the first function's port; the others follow in route-table order",
    )


def run(args: argparse.Namespace) -> None:
    from functions import cluster

    os.environ.setdefault("TASKFLOW_ENV", "dev")
    cluster.run(load_settings(), args.host, args.port, args.base_port)
