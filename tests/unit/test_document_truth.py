"""What the OpenAPI document promises the server keeps: literal paths answer only their own
methods, and null is offered only where a null is taken."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from functions.core.models.preferences import PreferencesUpdate
from functions.core.models.projects import MemberAdd, ProjectUpdate
from functions.core.models.tasks import TaskBulkFields, TaskUpdate
from functions.routes import methods_at, shadowed


def test_a_literal_path_takes_only_its_own_methods() -> None:
    assert methods_at("/api/tasks/bulk") == ("POST",)
    assert methods_at("/api/tasks/stats") == ("GET",)
    assert methods_at("/api/tasks/0b523423-8290-4cf6-a5d3-f4b2cf339ef5") == (
        "DELETE",
        "GET",
        "PATCH",
    )


def test_a_template_does_not_answer_another_routes_literal_path() -> None:
    assert shadowed("/api/tasks/bulk", "update_task")
    assert shadowed("/api/tasks/stats", "delete_task")
    assert not shadowed("/api/tasks/bulk", "bulk_update_tasks")
    assert not shadowed("/healthz", "get_task")


@pytest.mark.parametrize(
    ("model", "clearable"),
    [
        (
            TaskUpdate,
            {"due_at", "due_date", "assignee_id", "version", "parent_id", "recurrence"},
        ),
        (TaskBulkFields, {"due_at", "due_date", "assignee_id"}),
        (ProjectUpdate, set()),
        (PreferencesUpdate, set()),
    ],
)
def test_the_document_offers_null_only_for_the_fields_a_null_clears(
    model: type[TaskUpdate | TaskBulkFields | ProjectUpdate | PreferencesUpdate],
    clearable: set[str],
) -> None:
    properties = model.model_json_schema()["properties"]
    nullable = {
        name for name, prop in properties.items() if {"type": "null"} in prop.get("anyOf", [])
    }
    assert nullable == clearable
    for name in set(properties) - clearable:
        with pytest.raises(ValidationError):
            model.model_validate({name: None})


def test_a_member_is_named_one_way_as_the_document_says() -> None:
    assert len(MemberAdd.model_json_schema()["oneOf"]) == 2
    MemberAdd.model_validate({"email": "ada@example.com", "user_id": None})
    with pytest.raises(ValidationError):
        MemberAdd.model_validate({"email": None, "user_id": None})


def test_a_day_is_only_yyyy_mm_dd_and_never_beside_an_instant() -> None:
    assert str(TaskUpdate.model_validate({"due_date": "2026-12-05"}).due_date) == "2026-12-05"
    for day in (0, 1796428800, "2026-12-05T00:00:00", "5 Dec 2026"):
        with pytest.raises(ValidationError):
            TaskUpdate.model_validate({"due_date": day})
    with pytest.raises(ValidationError):
        TaskBulkFields.model_validate({"due_date": "2026-12-05", "due_at": None})
    schema = TaskUpdate.model_json_schema()
    assert schema["not"] == {"required": ["due_at", "due_date"]}


def test_an_instant_is_never_a_number() -> None:
    with pytest.raises(ValidationError):
        TaskBulkFields.model_validate({"due_at": 0.5})
    with pytest.raises(ValidationError):
        TaskBulkFields.model_validate({"due_at": "1700000000"})
