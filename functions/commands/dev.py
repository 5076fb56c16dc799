"""`taskflow dev`: the embedded mode, the gateway and every function in one process."""

from __future__ import annotations

import argparse
import os

from functions.commands.configuration import load_settings
from functions.commands.options import add_listen_options


def arguments(parser: argparse.ArgumentParser) -> None:
    add_listen_options(parser)


def run(args: argparse.Namespace) -> None:
    """Migrate the database, then serve everything until interrupted; nothing to install."""
    import uvicorn

    from functions.core import migrate, runtime
    from functions.core.observability import configure_logging
    from functions.gateway import create_app

    host: str = args.host
    port: int = args.port
    os.environ.setdefault("TASKFLOW_ENV", "dev")
    # Links it gives out (upload forms, downloads, e-mails) lead here unless told otherwise.
    os.environ.setdefault("TASKFLOW_PUBLIC_URL", _own_url(host, port))
    settings = load_settings()
    configure_logging(settings.log_level)
    migrate.upgrade(settings.effective_database_url)
    app = create_app(runtime.Runtime(settings), embedded_pipeline=True)
    mode = "embedded stand-ins" if settings.embedded else "configured servers"
    print(
        f"TaskFlow is running at http://{host}:{port}/ ({mode}; API docs at /api/docs)", flush=True
    )
    mail_dir = settings.effective_mail_dir
    if mail_dir is not None:
        print(f"E-mail is written to {mail_dir.resolve()} as .eml files, not sent", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _own_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches the server."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - read, not bound here
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
