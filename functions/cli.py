"""The `taskflow` command: `dev` runs everything in one process; `migrate` updates a database."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from functions.core.settings import Settings


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]) for e in exc.errors())
        sys.exit(f"taskflow: bad configuration: {messages}")


def dev(host: str, port: int) -> None:
    """The embedded mode: gateway and every function in one process, nothing to install."""
    import uvicorn

    from functions.core import migrate, runtime
    from functions.core.observability import configure_logging
    from functions.gateway import create_app

    os.environ.setdefault("TASKFLOW_ENV", "dev")
    settings = _settings()
    configure_logging(settings.log_level)
    migrate.upgrade(settings.effective_database_url)
    app = create_app(runtime.Runtime(settings))
    mode = "embedded stand-ins" if settings.embedded else "configured servers"
    print(
        f"TaskFlow is running at http://{host}:{port}/ ({mode}; API docs at /api/docs)", flush=True
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="taskflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev_parser = commands.add_parser("dev", help="run TaskFlow in one process")
    dev_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    dev_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    commands.add_parser("migrate", help="bring the configured database to the current schema")
    commands.add_parser("prune", help="delete expired sign-in sessions (run it daily)")
    args = parser.parse_args(argv)

    if args.command == "dev":
        dev(args.host, args.port)
    elif args.command == "migrate":
        from functions.core import migrate

        migrate.upgrade(_settings().effective_database_url)
        print("the database schema is current")
    elif args.command == "prune":
        print(f"deleted {asyncio.run(prune(_settings()))} expired refresh tokens")


async def prune(settings: Settings) -> int:
    from functions.core.database import transaction
    from functions.core.runtime import Runtime
    from functions.core.services.accounts import prune_sessions

    rt = Runtime(settings)
    try:
        async with transaction(rt.engine) as conn:
            return await prune_sessions(conn)
    finally:
        await rt.close()


if __name__ == "__main__":
    main()
