"""`taskflow kn`: print (or run) one `kn service apply` per function, from the route table."""

from __future__ import annotations

import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", required=True, help="the TaskFlow image, with its tag")
    parser.add_argument("--namespace", default="taskflow")
    parser.add_argument("--run", action="store_true", help="run the commands instead of printing")


def run(args: argparse.Namespace) -> None:
    import shlex
    import subprocess

    from functions.deploy.kn import commands

    for command in commands(args.image, args.namespace):
        if args.run:
            subprocess.run(command, check=True)  # noqa: S603 - our own argv, no shell
        else:
            print(shlex.join(command))
