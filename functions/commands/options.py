"""Flags that more than one subcommand takes."""

from __future__ import annotations

import argparse
import os


def add_listen_options(parser: argparse.ArgumentParser) -> None:
    """--host and --port, defaulting to $HOST and $PORT as a platform sets them."""
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))


def target_url(pair: str) -> tuple[str, str]:
    """One `--url TARGET=URL` value, as (target, url)."""
    target, separator, url = pair.partition("=")
    if not separator or not target or not url:
        raise argparse.ArgumentTypeError(f"takes TARGET=URL, not {pair!r}")
    return target, url


def add_url_overrides(parser: argparse.ArgumentParser, help: str) -> None:
    """Repeatable `--url TARGET=URL`: where to reach one target instead of its default."""
    parser.add_argument(
        "--url", action="append", type=target_url, default=[], metavar="TARGET=URL", help=help
    )
