"""What the event transport tests share: RabbitMQ stopped on purpose, and always started again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import rabbitmqctl


@contextmanager
def rabbitmq_stopped() -> Iterator[None]:
    """RabbitMQ's application stopped (the node stays up), and always started again."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail("stopping RabbitMQ beside other tests: mark this test `exclusive`")
    rabbitmqctl("stop_app")
    try:
        yield
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
