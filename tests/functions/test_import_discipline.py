"""A function process imports only what its endpoint uses: cold starts pay for every import.

Each check runs in a fresh interpreter that imports `functions.main` and looks one target
up, as `functions-framework --target NAME --source functions/main.py` does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from tests.functions.probes import run_probe

# Records which module asked for which of the watched packages, then looks the target up.
PROBE = """
import builtins, importlib.util, json, sys

WATCHED = ("fastapi", "sqlalchemy.orm")
importers = {name: set() for name in WATCHED}
real_import = builtins.__import__

def resolved(name, globals, fromlist, level):
    if level:
        try:
            package = (globals or {}).get("__package__")
            name = importlib.util.resolve_name("." * level + name, package)
        except (ImportError, ValueError):
            return []
    return [name] + [f"{name}.{item}" for item in fromlist or () if isinstance(item, str)]

def spy(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "?")
    for full in resolved(name, globals, fromlist, level):
        for watched in WATCHED:
            if full == watched or full.startswith(watched + "."):
                importers[watched].add(importer)
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = spy
import functions.main
getattr(functions.main, sys.argv[1])
print(json.dumps({
    "modules": sorted(sys.modules),
    "importers": {name: sorted(found) for name, found in importers.items()},
}))
"""
NEVER_IN_A_FUNCTION = ("fastapi", "uvicorn.main", "pika", "boto3", "alembic", "fakeredis")
DATABASE_TARGETS = ("get_me", "login", "list_tasks", "get_task", "list_projects", "add_comment")


@cache  # one fresh interpreter per target is enough for every question asked of it
def _probe(target: str) -> dict[str, Any]:
    return run_probe(PROBE, target)


@pytest.mark.parametrize("target", ["healthz", "jwks", "get_event_schema", *DATABASE_TARGETS])
def test_a_function_process_never_loads_the_gateway_or_the_event_and_migration_stacks(
    target: str,
) -> None:
    found = _probe(target)
    assert [m for m in NEVER_IN_A_FUNCTION if m in found["modules"]] == []
    assert found["importers"]["fastapi"] == []


def test_the_liveness_function_loads_no_database_layer() -> None:
    modules = _probe("healthz")["modules"]
    assert "sqlalchemy" not in modules
    assert "sqlalchemy.orm" not in modules


def test_the_event_schemas_function_loads_no_database_or_redis_client() -> None:
    # It serves committed files: a cold start should not pay for SQLAlchemy or redis-py.
    modules = _probe("get_event_schema")["modules"]
    loaded = [m for m in modules if m.split(".")[0] in ("sqlalchemy", "psycopg", "redis")]
    assert loaded == []


def test_the_jwks_function_loads_no_orm() -> None:
    assert "sqlalchemy.orm" not in _probe("jwks")["modules"]


@pytest.mark.parametrize("target", DATABASE_TARGETS)
def test_no_taskflow_module_uses_the_orm_and_only_sqlalchemys_asyncio_layer_loads_it(
    target: str,
) -> None:
    # sqlalchemy/ext/asyncio/__init__.py imports its AsyncSession, which imports
    # sqlalchemy.orm: the async engine cannot be had without it. What we control is that no
    # module of ours reaches for the ORM, so hot paths stay on Core.
    found = _probe(target)
    importers = found["importers"]["sqlalchemy.orm"]
    assert [m for m in importers if not m.startswith("sqlalchemy.")] == []
    if "sqlalchemy.orm" in found["modules"]:
        # The probe saw the import it explains, so an empty list above is not a blind spot.
        assert any(m.startswith("sqlalchemy.ext.asyncio") for m in importers), importers


@pytest.mark.parametrize("target", ["list_tasks", "get_task", "task_stats"])
def test_a_function_that_reads_tasks_loads_none_of_the_write_path(target: str) -> None:
    # The handlers that write import task_commands (and the events it records) themselves.
    modules = _probe(target)["modules"]
    write_path = ("functions.core.services.task_commands", "functions.core.services.task_events")
    assert [m for m in write_path if m in modules] == []


@pytest.mark.parametrize("target", ["get_me", "list_tasks", "create_task", "list_projects"])
def test_redis_and_the_token_library_wait_for_the_first_request(target: str) -> None:
    # An authenticated function needs them to answer, not to start: the edge imports the
    # token check, and the runtime the Redis client, on first use.
    modules = _probe(target)["modules"]
    assert [m for m in ("redis", "psycopg") if m in modules] == []
    if target != "get_me":  # signing in, the auth module issues tokens itself
        assert "jwt" not in modules
