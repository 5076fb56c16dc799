"""A task's history: one kind of entry per event type it records, the same in the model, the
table's CHECK and the migration that made it."""

from __future__ import annotations

import importlib
from typing import get_args

from events.types import TASK_HISTORY_TYPES
from functions.core.models.activity import ActivityKind
from functions.core.services.activity import KIND_OF
from functions.core.tables import ACTIVITY_KIND_SQL


def _listed(check: str) -> set[str]:
    inside = check.split("(", 1)[1].rsplit(")", 1)[0]
    return {kind.strip().strip("'") for kind in inside.split(",")}


def test_each_history_event_type_has_its_own_kind_of_entry() -> None:
    assert set(KIND_OF) == set(TASK_HISTORY_TYPES)
    assert sorted(KIND_OF.values()) == sorted(get_args(ActivityKind))


def test_the_table_and_its_latest_migration_allow_exactly_the_models_kinds() -> None:
    migration = importlib.import_module("functions.migrations.versions.0007_daily_use")
    assert _listed(ACTIVITY_KIND_SQL) == set(get_args(ActivityKind))
    assert migration.NEW_KINDS == ACTIVITY_KIND_SQL
