"""Real TaskFlow processes on free loopback ports, stopped (with their children) after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import (
    BIN,
    ROOT,
    Cluster,
    Server,
    Servers,
    clean_environment,
    free_port,
    free_port_block,
)

# What the e2e and deploy tests import from here.
__all__ = [
    "BIN",
    "ROOT",
    "Cluster",
    "Server",
    "Servers",
    "clean_environment",
    "free_port",
    "free_port_block",
    "servers",
]


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()
