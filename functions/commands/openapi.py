"""`taskflow openapi`: the API's OpenAPI document, from which the web client is generated."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", help="write it to this file instead of stdout")


def run(args: argparse.Namespace) -> None:
    text = document_text()
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)


def document_text() -> str:
    """The gateway's OpenAPI document as stable, indented JSON."""
    import json

    os.environ.setdefault("TASKFLOW_ENV", "dev")  # the document needs no servers or keys
    from functions.gateway import openapi_document

    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"
