"""`taskflow gateway`: the gateway alone, each public path forwarded to its function's process."""

from __future__ import annotations

import argparse

from functions.commands.configuration import load_settings
from functions.commands.options import add_listen_options


def arguments(parser: argparse.ArgumentParser) -> None:
    add_listen_options(parser)
    parser.add_argument(
        "--upstreams", required=True, help="a JSON file mapping each target to its base URL"
    )


def run(args: argparse.Namespace) -> None:
    import json
    from pathlib import Path

    import uvicorn

    from functions.core.observability import configure_logging
    from functions.gateway import create_app

    settings = load_settings()
    configure_logging(settings.log_level)
    upstreams = json.loads(Path(args.upstreams).read_text())
    app = create_app(upstreams=upstreams)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
