"""`taskflow generate`: write (or check) every generated file (functions/generate.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", help="the repository root to write under")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list each stale or missing file and fail if there is one",
    )


def run(args: argparse.Namespace) -> None:
    os.environ.setdefault("TASKFLOW_ENV", "dev")  # the OpenAPI document needs no servers or keys
    from functions import generate

    root = Path(args.root)
    if not args.check:
        for path in generate.write(root):
            print(f"wrote {path}")
        return
    stale = generate.stale(root)
    for path in stale:
        print(f"{'stale' if (root / path).exists() else 'missing'}: {path}")
    if stale:
        sys.exit("taskflow: generated files are out of date: run `taskflow generate`")
    print("every generated file is current")
