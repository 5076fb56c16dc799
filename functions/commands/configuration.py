"""The settings a subcommand runs with, or one line saying why they are unusable."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from functions.core.settings import Settings


def load_settings() -> Settings:
    """The settings from the environment; a bad value ends the command with one line."""
    from pydantic import ValidationError

    from functions.core.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]) for e in exc.errors())
        sys.exit(f"taskflow: bad configuration: {messages}")


def amqp_url(settings: Settings) -> str:
    """RabbitMQ's URL, which the relay and the dispatcher cannot run without."""
    if not settings.amqp_url:
        sys.exit("taskflow: set TASKFLOW_AMQP_URL (amqp://user:password@host:5672/vhost)")
    return settings.amqp_url
