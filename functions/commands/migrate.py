"""`taskflow migrate`: bring the configured database to the current schema."""

from __future__ import annotations

import argparse

from functions.commands.configuration import load_settings


def run(args: argparse.Namespace) -> None:
    from functions.core import migrate

    migrate.upgrade(load_settings().effective_database_url)
    print("the database schema is current")
