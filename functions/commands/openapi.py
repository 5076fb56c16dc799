"""`taskflow openapi`: the API's OpenAPI document, from which the web client is generated."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", help="write it to this file instead of stdout")


def run(args: argparse.Namespace) -> None:
    os.environ.setdefault("TASKFLOW_ENV", "dev")  # the document needs no servers or keys
    from functions.gateway import openapi_json

    text = openapi_json()
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
