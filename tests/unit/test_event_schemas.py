"""The committed event schemas are what the models generate, and the gateway serves them."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel

from events import types
from events.codec import new_event
from events.models import (
    DATA_MODELS,
    AttachmentAdded,
    AttachmentDeleted,
    AttachmentSnapshot,
    CommentAdded,
    CommentDeleted,
    CommentUpdated,
    CreateTask,
    EmailVerificationRequested,
    MemberAdded,
    MemberChanged,
    MemberRemoved,
    PasswordResetRequested,
    ProjectDeleted,
    ProjectImportRequested,
    ProjectSnapshot,
    ProjectUpdated,
    RelationSnapshot,
    TaskAssigned,
    TaskCreated,
    TaskDeleted,
    TaskDueSoon,
    TaskRelationAdded,
    TaskRelationRemoved,
    TaskReminder,
    TaskSnapshot,
    TaskStatusChanged,
    TaskUpdated,
)
from events.schemas import SCHEMA_DIR, dataschema_of, path_of, rendered
from functions.core import runtime
from functions.core.runtime import Runtime
from functions.gateway import create_app
from tests.conftest import make_test_settings
from tests.support import assert_problem

TASK = TaskSnapshot(
    id=uuid.uuid4(),
    project_id=uuid.uuid4(),
    title="Ship it",
    status="todo",
    priority="high",
    assignee_id=None,
    creator_id=uuid.uuid4(),
    due_at=datetime(2031, 1, 1, tzinfo=UTC),
    labels=["launch"],
    version=1,
)
RELATION = RelationSnapshot(
    id=uuid.uuid4(), task_id=TASK.id, related_id=uuid.uuid4(), kind="blocks"
)
ATTACHMENT = AttachmentSnapshot(
    id=uuid.uuid4(),
    task_id=TASK.id,
    filename="plan.pdf",
    content_type="application/pdf",
    size=1024,
    uploader_id=uuid.uuid4(),
    created_at=datetime(2030, 12, 1, tzinfo=UTC),
)
# One example of each event's data, for the events built from them below.
EXAMPLES: dict[str, BaseModel] = {
    types.TASK_CREATED: TaskCreated(task=TASK),
    types.TASK_UPDATED: TaskUpdated(task=TASK, changed=["title"]),
    types.TASK_STATUS_CHANGED: TaskStatusChanged(task=TASK, previous_status="review"),
    types.TASK_ASSIGNED: TaskAssigned(task=TASK, previous_assignee_id=None),
    types.TASK_DELETED: TaskDeleted(task=TASK),
    types.TASK_DUE_SOON: TaskDueSoon(task=TASK, due_at=datetime(2031, 1, 1, tzinfo=UTC)),
    types.TASK_REMINDER: TaskReminder(
        task=TASK,
        reminder_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        fire_at=datetime(2030, 12, 31, 23, 55, tzinfo=UTC),
        due_at=datetime(2031, 1, 1, tzinfo=UTC),
        offset_minutes=5,
    ),
    types.TASK_RELATION_ADDED: TaskRelationAdded(task=TASK, relation=RELATION),
    types.TASK_RELATION_REMOVED: TaskRelationRemoved(task=TASK, relation=RELATION),
    types.ATTACHMENT_ADDED: AttachmentAdded(task=TASK, attachment=ATTACHMENT),
    types.ATTACHMENT_DELETED: AttachmentDeleted(task=TASK, attachment=ATTACHMENT),
    types.COMMENT_ADDED: CommentAdded(
        task=TASK, comment_id=uuid.uuid4(), author_id=None, excerpt="Hi"
    ),
    types.COMMENT_UPDATED: CommentUpdated(
        task=TASK,
        comment_id=uuid.uuid4(),
        author_id=uuid.uuid4(),
        excerpt="Looks better",
        body="Looks better",
        edited_at=datetime(2026, 12, 4, 12, tzinfo=UTC),
        mentioned_ids=[uuid.uuid4()],
    ),
    types.COMMENT_DELETED: CommentDeleted(task=TASK, comment_id=uuid.uuid4(), author_id=None),
    types.MEMBER_ADDED: MemberAdded(
        project_id=uuid.uuid4(), project_name="Launch", user_id=uuid.uuid4(), role="viewer"
    ),
    types.MEMBER_CHANGED: MemberChanged(
        project_id=uuid.uuid4(),
        project_name="Launch",
        user_id=uuid.uuid4(),
        role="editor",
        previous_role="viewer",
    ),
    types.MEMBER_REMOVED: MemberRemoved(
        project_id=uuid.uuid4(), project_name="Launch", user_id=uuid.uuid4(), role="viewer"
    ),
    types.PROJECT_UPDATED: ProjectUpdated(
        project=ProjectSnapshot(
            id=uuid.uuid4(),
            name="Launch",
            description="",
            owner_id=uuid.uuid4(),
            updated_at=datetime(2031, 1, 1, tzinfo=UTC),
        ),
        changed=["name"],
    ),
    types.PROJECT_DELETED: ProjectDeleted(project_id=uuid.uuid4(), project_name="Launch"),
    types.PASSWORD_RESET_REQUESTED: PasswordResetRequested(email="ada@example.com"),
    types.EMAIL_VERIFICATION_REQUESTED: EmailVerificationRequested(
        user_id=uuid.uuid4(), email="ada@example.com"
    ),
    types.PROJECT_IMPORT_REQUESTED: ProjectImportRequested(
        import_id=uuid.uuid4(), user_id=uuid.uuid4()
    ),
    types.TASK_CREATE: CreateTask(project_id=uuid.uuid4(), title="From elsewhere"),
}


def test_every_committed_schema_is_what_its_model_generates_now() -> None:
    stale = [
        t for t in DATA_MODELS if not path_of(t).exists() or path_of(t).read_text() != (rendered(t))
    ]
    assert stale == [], f"stale event schemas {stale}: run `python -m events.schemas`"


def test_there_is_a_schema_file_for_each_event_type_and_for_nothing_else() -> None:
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(
        f"{t}.json" for t in DATA_MODELS
    )


def test_each_example_covers_one_event_type_with_its_own_model() -> None:
    assert {t: type(data) for t, data in EXAMPLES.items()} == DATA_MODELS


@pytest.mark.parametrize("event_type", sorted(DATA_MODELS))
def test_an_events_dataschema_is_the_id_of_its_committed_schema(event_type: str) -> None:
    event = new_event(event_type, EXAMPLES[event_type], source=types.source_of("test"), subject="s")
    schema = json.loads(path_of(event_type).read_text())
    assert event["dataschema"] == schema["$id"] == dataschema_of(event_type)
    assert schema["title"] == event_type


@pytest.fixture(scope="module")
async def gateway(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncClient]:
    """The gateway on a runtime that never connects anywhere: schemas need no server."""
    settings = make_test_settings(env="dev", data_dir=tmp_path_factory.mktemp("schemas"))
    previous = runtime.install(None)
    app = create_app(Runtime(settings), web_dist=Path("/nonexistent"))
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            yield client
    finally:
        runtime.install(previous)


@pytest.mark.parametrize("event_type", sorted(DATA_MODELS))
async def test_the_gateway_serves_each_committed_schema_without_a_token(
    gateway: AsyncClient, event_type: str
) -> None:
    response = await gateway.get(f"/api/events/schemas/{event_type}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/schema+json"
    assert response.content == path_of(event_type).read_bytes()
    assert response.json()["$id"] == dataschema_of(event_type)
    assert response.headers["cache-control"].startswith("public, max-age=")


async def test_a_schema_is_revalidated_by_its_etag(gateway: AsyncClient) -> None:
    path = f"/api/events/schemas/{types.TASK_CREATED}"
    first = await gateway.get(path)
    tag = first.headers["etag"]
    assert tag.startswith('"')
    unchanged = await gateway.get(path, headers={"If-None-Match": f'"other", {tag}'})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == tag
    other = await gateway.get(path, headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    another_type = await gateway.get(f"/api/events/schemas/{types.TASK_DELETED}")
    assert another_type.headers["etag"] != tag


@pytest.mark.parametrize(
    "event_type", ["com.taskflow.task.nope", "com.taskflow.task.created.json", "%2e%2e", "%00"]
)
async def test_an_unknown_event_type_is_a_not_found_problem_listing_the_known_ones(
    gateway: AsyncClient, event_type: str
) -> None:
    body = assert_problem(await gateway.get(f"/api/events/schemas/{event_type}"), 404)
    assert body["known_types"] == sorted(DATA_MODELS)
