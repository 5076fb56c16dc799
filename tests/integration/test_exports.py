"""Exporting a project as JSON and as CSV, on both databases: every field, who may, and a
large project produced batch by batch as it is sent."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import insert, select, update
from sqlalchemy.pool import QueuePool

from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.models.exports import ExportFormat
from functions.core.services import exports
from functions.core.tables import attachments, tasks
from tests.integration.helpers_tasks import create_task, insert_tasks
from tests.integration.test_personal_tokens import bearer, make_token
from tests.support import User, assert_problem, create_project, share_project, signup

# The contract's header line, exactly.
HEADER_LINE = (
    "id,parent_id,title,description,status,priority,labels,due_at,due_date,assignee_email,"
    "creator_email,created_at,updated_at,completed_at,recurrence,recurrence_basis,comments"
)
HEADER = HEADER_LINE.split(",")
TASK_FIELDS = {
    "id",
    "parent_id",
    "title",
    "description",
    "status",
    "priority",
    "due_at",
    "due_date",
    "labels",
    "assignee_email",
    "creator_email",
    "created_at",
    "updated_at",
    "completed_at",
    "recurrence",
    "recurrence_basis",
    "comments",
    "attachments",
}
# Straight from the API's own answers: what each exported task field is read from.
SAME_AS_API = (
    "id",
    "parent_id",
    "title",
    "description",
    "status",
    "priority",
    "due_at",
    "due_date",
    "labels",
    "created_at",
    "updated_at",
    "completed_at",
    "recurrence",
    "recurrence_basis",
)


def export_path(project_id: str, format: str | None = None) -> str:
    query = f"?format={format}" if format else ""
    return f"/api/projects/{project_id}/export{query}"


async def export(api: AsyncClient, user: User, project_id: str, format: str = "json") -> Response:
    response = await api.get(export_path(project_id, format), headers=user.headers)
    assert response.status_code == 200, response.text
    return response


def csv_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == HEADER
    return list(reader)


def unguarded(cell: str) -> str:
    """A cell as the importer reads it: one apostrophe before a formula's start is dropped."""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def as_csv_cells(task: dict[str, Any]) -> dict[str, Any]:
    """What the CSV row of an exported JSON task says: each cell as text, the comments as the
    list their cell holds."""
    cells: dict[str, Any] = {
        name: "" if task[name] is None else str(task[name])
        for name in HEADER
        if name not in ("labels", "comments")
    }
    cells["labels"] = ", ".join(task["labels"])
    comments = [
        {"author_email": c["author_email"], "body": c["body"], "created_at": c["created_at"]}
        for c in task["comments"]
    ]
    cells["comments"] = comments
    return cells


def read_back(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the importer reads it: unguarded cells, the comments cell parsed."""
    cells: dict[str, Any] = {name: unguarded(cell) for name, cell in row.items()}
    cells["comments"] = json.loads(row["comments"]) if row["comments"] else []
    return cells


async def rich_project(api: AsyncClient) -> dict[str, Any]:
    """Ana's project with Ben (editor) and Cy (viewer): timed, all-day, done, recurring and
    labelled tasks, a subtask, comments, files, and cells a spreadsheet would run."""
    ana, ben, cy = await signup(api, "ana"), await signup(api, "ben"), await signup(api, "cy")
    project = await create_project(api, ana, "Launch / Q3", "Everything for the launch")
    await share_project(api, ana, project["id"], ben, "editor")
    await share_project(api, ana, project["id"], cy, "viewer")
    pid = uuid.UUID(project["id"])
    timed = await create_task(
        api,
        ana,
        pid,
        title="Write the press release",
        description='Two pages,\nwith "quotes" and a, comma',
        priority="high",
        due_at="2026-12-24T15:30:00Z",
        labels=["press", "writing"],
        assignee_id=str(ben.id),
    )
    all_day = await create_task(
        api,
        ben,
        pid,
        title="Launch day",
        due_date="2026-12-31",
        recurrence="FREQ=YEARLY",
        recurrence_basis="due",
    )
    subtask = await create_task(api, ana, pid, title="Book the hall", parent_id=timed["id"])
    done = await create_task(api, ana, pid, title="Pick a date")
    finished = await api.patch(
        f"/api/tasks/{done['id']}", json={"status": "done"}, headers=ana.headers
    )
    assert finished.status_code == 200, finished.text
    formulas = await create_task(
        api,
        ana,
        pid,
        title='=HYPERLINK("http://evil.example","click")',
        description="+1 for this",
        labels=["@home", "-minus"],
    )
    for who, task, body in (
        (ben, timed, "First draft is up"),
        (ana, timed, "=1+1 looks good"),
        (ana, all_day, "Noted"),
    ):
        said = await api.post(
            f"/api/tasks/{task['id']}/comments", json={"body": body}, headers=who.headers
        )
        assert said.status_code == 201, said.text
    now = utcnow()
    async with runtime.current().engine.begin() as conn:
        for n, (status, name) in enumerate((("complete", "plan.pdf"), ("pending", "half.bin"))):
            await conn.execute(
                insert(attachments).values(
                    id=uuid.uuid4(),
                    task_id=uuid.UUID(timed["id"]),
                    project_id=pid,
                    uploader_id=ana.id,
                    filename=name,
                    content_type="application/pdf",
                    size=2048 + n,
                    object_key=f"{pid}/{timed['id']}/{uuid.uuid4()}",
                    status=status,
                    created_at=now,
                )
            )
    ids = [timed["id"], all_day["id"], subtask["id"], done["id"], formulas["id"]]
    read = [(await api.get(f"/api/tasks/{i}", headers=ana.headers)).json() for i in ids]
    return {"ana": ana, "ben": ben, "cy": cy, "project": project, "tasks": read}


async def test_the_json_export_holds_every_field_of_every_task_in_creation_order(
    any_api: AsyncClient,
) -> None:
    made = await rich_project(any_api)
    ana, ben, cy, project = made["ana"], made["ben"], made["cy"], made["project"]
    response = await export(any_api, ana, project["id"])

    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Launch _ Q3.json\"; filename*=UTF-8''Launch%20%2F%20Q3.json"
    )
    assert response.headers["cache-control"] == "private, no-store"
    document = response.json()
    assert list(document) == ["format", "version", "exported_at", "project", "members", "tasks"]
    assert (document["format"], document["version"]) == ("taskflow.project", 1)
    assert document["project"] == {
        "id": project["id"],
        "name": "Launch / Q3",
        "description": "Everything for the launch",
        "created_at": project["created_at"],
    }
    assert document["members"] == [
        {"email": ana.email, "display_name": "Ana", "role": "owner"},
        {"email": ben.email, "display_name": "Ben", "role": "editor"},
        {"email": cy.email, "display_name": "Cy", "role": "viewer"},
    ]

    exported = document["tasks"]
    assert [t["id"] for t in exported] == [t["id"] for t in made["tasks"]]
    for task, api_task in zip(exported, made["tasks"], strict=True):
        assert set(task) == TASK_FIELDS
        assert {k: task[k] for k in SAME_AS_API} == {k: api_task[k] for k in SAME_AS_API}
    timed, all_day, subtask, done, formulas = exported
    assert timed["due_at"] == "2026-12-24T15:30:00Z"
    assert timed["due_date"] is None
    assert timed["labels"] == ["press", "writing"]
    assert (timed["assignee_email"], timed["creator_email"]) == (ben.email, ana.email)
    assert timed["attachments"] == [
        {"filename": "plan.pdf", "content_type": "application/pdf", "size": 2048}
    ]
    assert [(c["author_email"], c["body"]) for c in timed["comments"]] == [
        (ben.email, "First draft is up"),
        (ana.email, "=1+1 looks good"),
    ]
    api_comments = (
        await any_api.get(f"/api/tasks/{timed['id']}/comments", headers=ana.headers)
    ).json()["items"]
    assert [
        {k: c[k] for k in ("id", "body", "created_at", "updated_at")} for c in api_comments
    ] == [{k: c[k] for k in ("id", "body", "created_at", "updated_at")} for c in timed["comments"]]
    # All-day: its day, and the instant as stored (the end of that day where it was set).
    assert all_day["due_date"] == "2026-12-31"
    assert all_day["due_at"] is not None
    assert (all_day["recurrence"], all_day["recurrence_basis"]) == ("FREQ=YEARLY", "due")
    assert all_day["creator_email"] == ben.email
    assert all_day["assignee_email"] is None
    assert [c["author_email"] for c in all_day["comments"]] == [ana.email]
    assert subtask["parent_id"] == timed["id"]
    assert timed["parent_id"] is None
    assert done["status"] == "done"
    assert done["completed_at"] is not None
    assert timed["completed_at"] is None
    assert (subtask["comments"], subtask["attachments"]) == ([], [])
    # JSON is no spreadsheet: its strings are as written.
    assert formulas["title"] == '=HYPERLINK("http://evil.example","click")'
    assert formulas["labels"] == ["@home", "-minus"]


async def test_the_csv_export_says_what_the_json_says_with_formulas_defused(
    any_api: AsyncClient,
) -> None:
    made = await rich_project(any_api)
    ana, project = made["ana"], made["project"]
    as_json = (await export(any_api, ana, project["id"])).json()["tasks"]
    response = await export(any_api, ana, project["id"], "csv")

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="Launch _ Q3.csv"'
    )
    assert response.text.startswith(HEADER_LINE + "\r\n")
    rows = csv_rows(response.text)
    assert [read_back(row) for row in rows] == [as_csv_cells(task) for task in as_json]
    formulas = rows[4]
    assert formulas["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert formulas["description"] == "'+1 for this"
    assert formulas["labels"] == "'@home, -minus"
    timed = rows[0]
    assert timed["description"] == 'Two pages,\nwith "quotes" and a, comma'
    assert timed["labels"] == "press, writing"
    comments = json.loads(timed["comments"])
    assert [c["body"] for c in comments] == ["First draft is up", "=1+1 looks good"]
    assert set(comments[0]) == {"author_email", "body", "created_at"}
    assert rows[2]["parent_id"] == timed["id"]
    assert rows[2]["comments"] == ""
    assert rows[1]["due_date"] == "2026-12-31"
    assert rows[0]["due_date"] == ""


async def test_members_of_any_role_may_export_and_nobody_else_sees_the_project(
    any_api: AsyncClient,
) -> None:
    ana, cy, eve = await signup(any_api, "ana"), await signup(any_api, "cy"), await signup(any_api)
    project = await create_project(any_api, ana)
    await share_project(any_api, ana, project["id"], cy, "viewer")
    await create_task(any_api, ana, uuid.UUID(project["id"]), title="Secret plan")

    for format in ("json", "csv"):
        viewer = await export(any_api, cy, project["id"], format)
        assert "Secret plan" in viewer.text
        stranger = await any_api.get(export_path(project["id"], format), headers=eve.headers)
        assert_problem(stranger, 404)
    assert_problem(await any_api.get(export_path(str(uuid.uuid4())), headers=ana.headers), 404)
    assert_problem(await any_api.get("/api/projects/nope/export", headers=ana.headers), 404)
    assert_problem(await any_api.get(export_path(project["id"])), 401)


async def test_a_format_other_than_json_or_csv_is_refused(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    project = await create_project(any_api, ana)
    default = await any_api.get(export_path(project["id"]), headers=ana.headers)
    assert default.json()["format"] == "taskflow.project"
    for bad in ("xml", "JSON", ""):
        body = assert_problem(
            await any_api.get(export_path(project["id"]) + f"?format={bad}", headers=ana.headers),
            422,
        )
        assert body["errors"][0]["loc"] == ["format"]
    other = await any_api.get(export_path(project["id"]) + "?as=csv", headers=ana.headers)
    assert_problem(other, 422)


async def test_an_empty_project_exports_a_document_without_tasks(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    project = await create_project(any_api, ana)
    assert (await export(any_api, ana, project["id"])).json()["tasks"] == []
    assert csv_rows((await export(any_api, ana, project["id"], "csv")).text) == []


async def test_a_token_with_projects_read_may_export_and_one_without_is_forbidden(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    project = await create_project(any_api, ana)
    reader = (await make_token(any_api, ana, "projects:read"))["token"]
    allowed = await any_api.get(export_path(project["id"], "csv"), headers=bearer(reader))
    assert allowed.status_code == 200, allowed.text
    assert allowed.text.startswith("id,parent_id,")
    tasks_only = (await make_token(any_api, ana, "tasks:read"))["token"]
    refused = await any_api.get(export_path(project["id"]), headers=bearer(tasks_only))
    assert assert_problem(refused, 403)["missing_scope"] == "projects:read"


async def _drain(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


async def test_a_large_project_is_read_a_batch_at_a_time_while_it_is_sent(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    project = await create_project(any_api, ana)
    pid = uuid.UUID(project["id"])
    await insert_tasks(pid, ana, 3000, description="x" * 200)
    rt = runtime.current()
    pool = rt.engine.pool
    assert isinstance(pool, QueuePool)
    formats: tuple[ExportFormat, ...] = ("json", "csv")
    added: list[str] = []

    for format in formats:
        export = await exports.export_project(rt, ana.id, pid, format)
        chunks = aiter(export.chunks)
        first = await anext(chunks)
        first_tasks = await anext(chunks)
        assert b"filler 0" in first_tasks
        assert b"filler 2999" not in first + first_tasks
        # Between chunks the export holds no connection: a slow reader keeps none from others.
        assert pool.checkedout() == 0
        # A task added now, after the first tasks went out, is read by a later batch.
        late = await create_task(any_api, ana, pid, title=f"added mid-export {format}")
        added.append(late["title"])
        rest = await _drain(chunks)
        assert len(rest) >= 5
        body = b"".join([first, first_tasks, *rest])
        if format == "json":
            titles = [t["title"] for t in json.loads(body)["tasks"]]
        else:
            titles = [row["title"] for row in csv_rows(body.decode())]
        assert titles == [f"filler {n}" for n in range(3000)] + added

    # A reader who leaves half way: the chunks stop, nothing is left checked out.
    export = await exports.export_project(rt, ana.id, pid, "json")
    chunks = aiter(export.chunks)
    assert isinstance(chunks, AsyncGenerator)
    await anext(chunks)
    await anext(chunks)
    await chunks.aclose()
    assert pool.checkedout() == 0


async def test_the_http_export_of_a_large_project_is_whole_in_both_formats(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    project = await create_project(any_api, ana)
    pid = uuid.UUID(project["id"])
    await insert_tasks(pid, ana, 1201)
    # Tasks created in the same instant, across the end of the first batch (500): ordered by
    # id, none skipped and none twice.
    tied = [f"filler {n}" for n in range(498, 503)]
    async with runtime.current().engine.begin() as conn:
        instant = (
            await conn.execute(
                select(tasks.c.created_at).where(
                    tasks.c.project_id == pid, tasks.c.title == "filler 498"
                )
            )
        ).scalar_one()
        await conn.execute(
            update(tasks)
            .where(tasks.c.project_id == pid, tasks.c.title.in_(tied))
            .values(created_at=instant)
        )
        stored = (
            await conn.execute(select(tasks.c.id, tasks.c.title).where(tasks.c.project_id == pid))
        ).all()
    ids = {row.title: str(row.id) for row in stored}
    expected = [ids[f"filler {n}"] for n in range(498)]
    expected += sorted(ids[title] for title in tied)
    expected += [ids[f"filler {n}"] for n in range(503, 1201)]

    as_json = (await export(any_api, ana, project["id"])).json()["tasks"]
    as_csv = csv_rows((await export(any_api, ana, project["id"], "csv")).text)
    assert [t["id"] for t in as_json] == expected
    assert [row["id"] for row in as_csv] == expected
