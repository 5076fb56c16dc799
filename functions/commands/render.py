"""`taskflow render`: write (or check) every deployment file rendered from the route table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", help="the repository root to write under")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; fail if a rendered file is stale"
    )


def run(args: argparse.Namespace) -> None:
    from functions.deploy import render as rendering

    root = Path(args.root)
    if args.check:
        stale = rendering.stale(root)
        if stale:
            sys.exit("taskflow: stale, run `taskflow render`: " + ", ".join(stale))
        print("every rendered deployment file is current")
        return
    for path in rendering.write(root):
        print(f"wrote {path}")
