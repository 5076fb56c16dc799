"""Each function's import stays within a budget set against functions-framework's own import.

A cold start pays for every module a function imports before its first answer. Each check
runs a fresh interpreter that imports `functions_framework.aio` (what every function process
loads, the hello floor included), then the target's module as `python -m functions.serve`
does, and compares the two: which heavy packages the target added (exactly, so a stray import
shows up by name), how many modules (against the framework's count), and how long it took
(against the framework's time in the same interpreter: never an absolute figure, which a busy
machine would break). What a first request imports (the engine's driver, redis-py, the token
library) is not counted here: the functions import those on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pytest

from functions.routes import ROUTES
from tests.functions.probes import run_probe

PROBE = """
import json, sys, time

began = time.perf_counter()
import functions_framework.aio
framework_seconds = time.perf_counter() - began
framework = set(sys.modules)
began = time.perf_counter()
from functions.routes import load_target
load_target(sys.argv[1])
own_seconds = time.perf_counter() - began
print(json.dumps({
    "framework_seconds": framework_seconds,
    "own_seconds": own_seconds,
    "framework_modules": len(framework),
    "added": sorted(set(sys.modules) - framework),
}))
"""
# Packages that cost a cold start tens of milliseconds each, or belong to another process.
WATCHED: Final = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "psycopg",
    "redis",
    "jwt",
    "cryptography",
    "argon2",
    "email_validator",
    "pika",
    "boto3",
    "httpx",
    "standardwebhooks",
    "fastapi",
    "alembic",
    "fakeredis",
    "aiosqlite",
    "yaml",
    "events.transport",
    "functions.gateway",
    "gunicorn",
)
# sqlalchemy.ext.asyncio imports the ORM (its AsyncSession): the async engine comes with it.
DATABASE: Final = frozenset({"sqlalchemy", "sqlalchemy.orm"})


@dataclass(frozen=True)
class Budget:
    """What importing one function module may add to functions-framework's own import."""

    heavy: frozenset[str]
    # Modules added, as a share of the modules functions_framework.aio loads (about 400).
    modules: float
    # Import time, as a multiple of functions_framework.aio's in the same interpreter.
    time: float


BUDGETS: Final[dict[str, Budget]] = {
    "functions.health": Budget(frozenset(), modules=0.35, time=1.2),
    "functions.jwks": Budget(frozenset(), modules=0.35, time=1.2),
    "functions.event_schemas": Budget(frozenset(), modules=0.35, time=1.2),
    "functions.tasks": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.projects": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.comments": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.watchers": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.relations": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.reminders": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.activity": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.scheduled": Budget(DATABASE, modules=0.8, time=4.0),
    # icalendar is imported by the first feed that is built, not at start.
    "functions.calendar_feeds": Budget(DATABASE, modules=0.8, time=4.0),
    # A reset ends sessions through the accounts service (with its token library); boto3 is
    # imported by the first mail sent through SES, not at start.
    "functions.account_mail": Budget(DATABASE | {"jwt", "cryptography"}, modules=0.95, time=4.5),
    # boto3 is imported by the first call that reaches the bucket, not at start.
    "functions.attachments": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.exports": Budget(DATABASE, modules=0.8, time=4.0),
    "functions.imports": Budget(DATABASE, modules=0.8, time=4.0),
    # Signing in: the key set and its token library, beside the database.
    "functions.auth": Budget(DATABASE | {"jwt", "cryptography"}, modules=0.95, time=4.5),
    # The feed and the live streams are Redis's.
    "functions.notifications": Budget(frozenset({"redis", "cryptography"}), modules=0.6, time=2.5),
    "functions.team": Budget(frozenset({"redis", "cryptography"}), modules=0.6, time=2.5),
    "functions.notification_settings": Budget(
        DATABASE | {"redis", "cryptography"}, modules=1.0, time=4.5
    ),
    "functions.events_api": Budget(DATABASE | {"redis", "cryptography"}, modules=1.0, time=4.5),
}

# Fresh interpreters a module's import is timed in, at most, before its time counts as over.
TIME_TRIES: Final = 4


def _probe(target: str) -> dict[str, Any]:
    return run_probe(PROBE, target)


def _first_target(module: str) -> str:
    return next(route.target for route in ROUTES if route.module == module)


def _heavy(added: list[str]) -> set[str]:
    loaded = set(added)
    return {name for name in WATCHED if name in loaded}


def test_every_function_module_has_a_budget() -> None:
    assert {route.module for route in ROUTES} == set(BUDGETS)


@pytest.mark.parametrize("module", sorted(BUDGETS))
def test_a_function_module_imports_no_more_than_its_budget(module: str) -> None:
    budget = BUDGETS[module]
    target = _first_target(module)
    found = _probe(target)
    assert _heavy(found["added"]) <= budget.heavy, "a heavy package the function does not need"
    added = len(found["added"])
    assert added <= budget.modules * found["framework_modules"], f"{added} modules"
    # Timing is the one noisy figure (the parallel phase builds images beside it): the best of
    # up to TIME_TRIES fresh interpreters. Quiet, these modules take 2 to 2.7x.
    ratio = found["own_seconds"] / found["framework_seconds"]
    for _ in range(TIME_TRIES - 1):
        if ratio <= budget.time:
            break
        again = _probe(target)
        ratio = min(ratio, again["own_seconds"] / again["framework_seconds"])
    assert ratio <= budget.time, f"{ratio:.2f} x functions_framework.aio's import time"
