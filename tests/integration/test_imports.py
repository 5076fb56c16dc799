"""Importing a project from a file, on both databases: the upload answers at once, and
`run_import`, reached as the broker would reach it with the events the outbox holds, creates
a project whose tasks match the file field by field; the same file again is the same
import; a delivery that stops part-way is resumed without duplicates; an item that cannot be
created is reported while the others are."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from events import types
from functions.core import runtime
from functions.core.outbox import from_row
from functions.core.services import imports, task_commands
from functions.core.tables import outbox, project_imports, tasks
from functions.routes import routes_for
from tests.integration.helpers_notifications import deliver, sinks
from tests.support import User, assert_problem, create_project, share_project, signup

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
RUN_PATH = routes_for("run_import")[0].path
TODOIST = FIXTURES / "todoist-website-relaunch.csv"
TRELLO = FIXTURES / "trello-mobile-app.json"
FILES = {path: path.read_bytes() for path in (TODOIST, TRELLO)}


async def upload(
    api: AsyncClient, user: User, filename: str, content: bytes, name: str | None = None
) -> Any:
    return await api.post(
        "/api/projects/import",
        files={"file": (filename, content, "application/octet-stream")},
        data={"name": name} if name is not None else None,
        headers=user.headers,
    )


async def started(api: AsyncClient, user: User, path: Path, name: str | None = None) -> Any:
    response = await upload(api, user, path.name, FILES[path], name)
    assert response.status_code == 202, response.text
    return response.json()


async def import_events(import_id: str) -> list[Any]:
    """The run requests of this import in the outbox, oldest first."""
    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox)
                .where(
                    outbox.c.event_type == types.PROJECT_IMPORT_REQUESTED,
                    outbox.c.subject == import_id,
                )
                .order_by(outbox.c.id)
            )
        ).all()
    return [from_row(row._mapping) for row in rows]


async def run_to_the_end(import_id: str) -> dict[str, Any]:
    """Deliver each run request (and each hand-on it makes) to run_import; the import then."""
    delivered: set[str] = set()
    async with sinks(runtime.current()) as client:
        while pending := [e for e in await import_events(import_id) if e["id"] not in delivered]:
            for event in pending:
                response = await deliver(client, RUN_PATH, event)
                assert response.status_code == 202, response.text
                delivered.add(event["id"])
    return await import_detail(import_id)


async def import_detail(import_id: str) -> dict[str, Any]:
    """The import as its owner reads it."""
    rt = runtime.current()
    async with rt.engine.connect() as conn:
        owner = await conn.scalar(
            select(project_imports.c.user_id).where(project_imports.c.id == uuid.UUID(import_id))
        )
    assert owner is not None
    found = await imports.get_import(rt, owner, uuid.UUID(import_id))
    return found.model_dump(mode="json")


async def project_tasks(api: AsyncClient, user: User, project_id: str) -> dict[str, Any]:
    response = await api.get(
        "/api/tasks", params={"project_id": project_id, "limit": 100}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return {task["title"]: task for task in response.json()["items"]}


def found_ids(found: dict[str, Any]) -> list[str]:
    return [task["id"] for task in found.values()]


async def comment_bodies(api: AsyncClient, user: User, task_id: str) -> list[tuple[str, str]]:
    response = await api.get(f"/api/tasks/{task_id}/comments", headers=user.headers)
    assert response.status_code == 200, response.text
    return [(c["author_id"], c["body"]) for c in response.json()["items"]]


async def test_a_todoist_export_becomes_a_project_whose_tasks_match_the_file(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    queued = await started(any_api, ana, TODOIST, name="Website relaunch")
    assert {k: queued[k] for k in ("source", "filename", "name", "status", "total")} == {
        "source": "todoist",
        "filename": TODOIST.name,
        "name": "Website relaunch",
        "status": "queued",
        "total": 6,
    }
    assert (queued["processed"], queued["project_id"], queued["finished_at"]) == (0, None, None)

    done = await run_to_the_end(queued["id"])
    assert (done["status"], done["processed"], done["created"], done["failed"]) == (
        "done",
        6,
        6,
        0,
    )
    assert done["error"] is None
    assert done["finished_at"] is not None
    assert [(i["position"], i["ref"], i["outcome"]) for i in done["items"]] == [
        (0, "line 3", "created"),
        (1, "line 7", "created"),
        (2, "line 8", "created"),
        (3, "line 9", "created"),
        (4, "line 11", "created"),
        (5, "line 14", "created"),
    ]
    messages = {i["ref"]: i["message"] for i in done["items"]}
    assert messages["line 8"] == (
        "the due date “every monday” is not a date: kept in the description"
    )
    assert "assigned to Ben Okafor in Todoist" in messages["line 7"]

    project = (await any_api.get(f"/api/projects/{done['project_id']}", headers=ana.headers)).json()
    assert (project["name"], project["role"]) == ("Website relaunch", "owner")
    found = await project_tasks(any_api, ana, done["project_id"])
    assert sorted(found) == sorted(i["title"] for i in done["items"])
    announcement = found["Write the launch announcement"]
    assert {k: announcement[k] for k in ("description", "status", "priority", "labels")} == {
        "description": "Two paragraphs, link to the changelog.",
        "status": "todo",
        "priority": "urgent",
        "labels": ["marketing", "copy"],
    }
    assert announcement["due_date"] == "2026-12-24"
    assert announcement["subtask_count"] == 1
    assert announcement["creator_id"] == str(ana.id)
    assert done["items"][0]["task_id"] == announcement["id"]
    assert await comment_bodies(any_api, ana, announcement["id"]) == [
        (
            str(ana.id),
            "Imported comment by Ana Lima on 2026-12-01 09:30 UTC:\n\n"
            "First draft is in the shared folder.",
        ),
        (str(ana.id), "Imported comment by Ben Okafor:\n\nLegal asked for a disclaimer."),
    ]
    hero = found["Pick the hero image"]
    assert (hero["parent_id"], hero["priority"], hero["assignee_id"]) == (
        announcement["id"],
        "high",
        None,
    )
    legal = found["Ask legal about the disclaimer"]
    assert (legal["parent_id"], legal["priority"], legal["due_at"]) == (hero["id"], "low", None)
    assert legal["description"] == "Due (from Todoist): every monday"
    newsletter = found["Send the newsletter"]
    assert datetime.fromisoformat(newsletter["due_at"]) == datetime(2026, 12, 28, 10, tzinfo=UTC)
    assert (newsletter["priority"], newsletter["due_date"]) == ("medium", None)
    blog = found["Migrate the blog"]
    assert (blog["status"], blog["labels"]) == ("in_progress", ["web"])
    podcast = found["Podcast episode about the relaunch"]
    assert (podcast["status"], podcast["labels"], podcast["priority"]) == ("todo", ["ideas"], "low")

    # No event per task or comment; the owner's screens hear of the project once it is whole.
    async with runtime.current().engine.connect() as conn:
        written = (
            await conn.execute(
                select(outbox)
                .where(outbox.c.subject.in_([done["project_id"], *found_ids(found)]))
                .order_by(outbox.c.id)
            )
        ).all()
    assert [row.event_type for row in written] == [types.MEMBER_ADDED]
    assert from_row(written[0]._mapping).get_data()["user_id"] == str(ana.id)

    listed = (await any_api.get("/api/imports", headers=ana.headers)).json()["items"]
    assert [i["id"] for i in listed] == [queued["id"]]
    assert "items" not in listed[0]


async def test_a_trello_board_becomes_a_project_whose_tasks_match_the_board(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    queued = await started(any_api, ana, TRELLO)
    assert (queued["source"], queued["name"], queued["total"]) == ("trello", "Mobile app", 8)
    done = await run_to_the_end(queued["id"])
    assert (done["status"], done["created"], done["failed"]) == ("done", 8, 0)
    project = (await any_api.get(f"/api/projects/{done['project_id']}", headers=ana.headers)).json()
    assert project["description"] == "The iOS and Android app, release 2.0."
    found = await project_tasks(any_api, ana, done["project_id"])
    login = found["Fix login on Android 14"]
    assert {k: login[k] for k in ("status", "labels", "assignee_id", "subtask_count")} == {
        "status": "in_progress",
        "labels": ["bug"],
        "assignee_id": None,
        "subtask_count": 2,
    }
    assert login["subtasks_done"] == 1
    assert datetime.fromisoformat(login["due_at"]) == datetime(2026, 12, 20, 17, tzinfo=UTC)
    assert login["description"].startswith("Crash when the keyboard opens.")
    assert await comment_bodies(any_api, ana, login["id"]) == [
        (
            str(ana.id),
            "Imported comment by Ana Lima (@analima) on 2026-12-01 08:15 UTC:\n\n"
            "1. Open the app\n2. Tap the e-mail field",
        ),
        (
            str(ana.id),
            "Imported comment by Ben Okafor (@benokafor) on 2026-12-02 10:00 UTC:\n\n"
            "Fixed on my branch, needs review.",
        ),
    ]
    reproduce = found["Reproduce on a Pixel 8"]
    assert (reproduce["parent_id"], reproduce["status"]) == (login["id"], "done")
    assert reproduce["completed_at"] is not None
    assert found["Write a failing UI test"]["status"] == "todo"
    assert found["New onboarding screens"]["labels"] == ["design", "green", "backlog"]
    assert found["Review the payment flow"]["status"] == "review"
    shipped = found["Ship 1.9.2"]
    assert (shipped["status"], shipped["completed_at"] is not None) == ("done", True)
    assert found["Dark mode"]["status"] == "done"
    archived = found["Old splash animation"]
    assert (archived["status"], archived["labels"]) == ("cancelled", ["backlog"])
    messages = {i["ref"]: i["message"] for i in done["items"]}
    assert messages["card Pw7JyU2f"] == "archived in Trello: cancelled"
    assert "Trello exports no e-mail addresses" in messages["card Fx8LgN2q"]


async def test_the_same_file_again_is_the_same_import_and_makes_no_second_project(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    queued = await started(any_api, ana, TRELLO)
    again = await upload(any_api, ana, "other-name.json", FILES[TRELLO])
    assert again.status_code == 200, again.text
    assert again.json()["id"] == queued["id"]
    assert len(await import_events(queued["id"])) == 1
    done = await run_to_the_end(queued["id"])
    after = await upload(any_api, ana, TRELLO.name, FILES[TRELLO])
    assert after.status_code == 200, after.text
    assert after.json()["project_id"] == done["project_id"]
    projects = (await any_api.get("/api/projects", headers=ana.headers)).json()["items"]
    assert [p["name"] for p in projects].count("Mobile app") == 1

    # Somebody else's upload of the same file is their own import.
    ben = await signup(any_api, "ben")
    assert (await started(any_api, ben, TRELLO))["id"] != queued["id"]
    assert_problem(await any_api.get(f"/api/imports/{queued['id']}", headers=ben.headers), 404)

    # Once its project is deleted, the file is imported anew.
    deleted = await any_api.delete(f"/api/projects/{done['project_id']}", headers=ana.headers)
    assert deleted.status_code == 204, deleted.text
    anew = await upload(any_api, ana, TRELLO.name, FILES[TRELLO])
    assert anew.status_code == 202, anew.text
    assert anew.json()["id"] != queued["id"]


async def test_a_delivery_stopped_part_way_is_resumed_without_duplicates(
    any_api: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup(any_api, "ana")
    queued = await started(any_api, ana, TODOIST)
    [event] = await import_events(queued["id"])
    rt = runtime.current()

    # Out of time after the first batch: it hands on with a new event.
    monkeypatch.setattr(imports, "SLICE_SHARE", 0.0)
    await imports.run_import(rt, event, batch=2)
    partway = await import_detail(queued["id"])
    assert (partway["status"], partway["processed"], partway["created"]) == ("running", 2, 2)
    assert partway["project_id"] is not None
    assert len(await import_events(queued["id"])) == 2

    # A crash in the middle of the next batch: that batch is undone; the import says so.
    calls = 0
    real_insert = task_commands.insert_task

    async def failing_insert(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the server went away")
        return await real_insert(*args, **kwargs)

    monkeypatch.setattr(task_commands, "insert_task", failing_insert)
    with pytest.raises(RuntimeError):
        await imports.run_import(rt, event, batch=2)
    failed = await import_detail(queued["id"])
    assert (failed["status"], failed["processed"], failed["project_id"]) == (
        "failed",
        2,
        partway["project_id"],
    )
    assert failed["error"] == (
        "stopped after 2 of 6 tasks: an unexpected error; it resumes when tried again"
    )

    # The event delivered again resumes where the last committed batch ended.
    monkeypatch.setattr(task_commands, "insert_task", real_insert)
    monkeypatch.setattr(imports, "SLICE_SHARE", 0.5)
    await imports.run_import(rt, event)
    done = await import_detail(queued["id"])
    assert (done["status"], done["processed"], done["created"], done["error"]) == (
        "done",
        6,
        6,
        None,
    )
    assert [i["position"] for i in done["items"]] == list(range(6))
    async with rt.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).where(tasks.c.project_id == uuid.UUID(done["project_id"]))
        )
    assert count == 6
    # Delivered once more, a finished import does nothing.
    await run_to_the_end(queued["id"])
    found = await project_tasks(any_api, ana, done["project_id"])
    assert len(found) == 6


def exported_task(creator: User, title: str, **fields: Any) -> dict[str, Any]:
    """A task as TaskFlow's JSON export writes it."""
    return {
        "id": str(uuid.uuid4()),
        "parent_id": None,
        "title": title,
        "description": "",
        "status": "todo",
        "priority": "medium",
        "due_at": None,
        "due_date": None,
        "labels": [],
        "assignee_email": None,
        "creator_email": creator.email,
        "created_at": "2026-12-01T08:00:00+00:00",
        "updated_at": "2026-12-01T08:00:00+00:00",
        "completed_at": None,
        "recurrence": None,
        "recurrence_basis": None,
        "comments": [],
        "attachments": [],
        **fields,
    }


def taskflow_export(ana: User, titles: list[str]) -> dict[str, Any]:
    def task(title: str, **fields: Any) -> dict[str, Any]:
        return exported_task(ana, title, **fields)

    mine, theirs, broken = titles
    long_title = "Long " * 50
    return {
        "format": "taskflow.project",
        "version": 1,
        "exported_at": "2026-12-05T00:00:00+00:00",
        "project": {"id": "x", "name": "Exported", "description": "", "created_at": ""},
        "members": [],
        "tasks": [
            task(
                mine,
                assignee_email=ana.email.upper(),
                comments=[
                    {
                        "author_email": ana.email,
                        "body": "mine",
                        "created_at": "2026-12-02T08:00:00Z",
                    }
                ],
            ),
            task(theirs, assignee_email="someone-else@example.com"),
            task(broken, labels=[f"l{n}" for n in range(21)]),
            task(long_title, description="Its text."),
        ],
    }


async def test_a_failing_item_is_reported_and_the_others_are_created(
    any_api: AsyncClient,
) -> None:
    ana = await signup(any_api, "ana")
    document = taskflow_export(ana, ["Assigned to me", "Assigned to a stranger", "Too many labels"])
    response = await upload(any_api, ana, "export.json", json.dumps(document).encode())
    assert response.status_code == 202, response.text
    done = await run_to_the_end(response.json()["id"])
    assert (done["status"], done["created"], done["failed"]) == ("done", 3, 1)
    mine, theirs, broken, long = done["items"]
    assert long["message"] == (
        "the title is longer than 200 characters: the whole of it starts the description"
    )
    assert long["title"] == ("Long " * 50)[:200]
    assert (broken["ref"], broken["outcome"], broken["task_id"]) == ("task 3", "failed", None)
    assert broken["message"].startswith("labels: List should have at most 20 items")
    assert theirs["message"] == not_matched("someone-else@example.com")
    assert mine["message"] is None
    found = await project_tasks(any_api, ana, done["project_id"])
    shortened = ("Long " * 50)[:199] + "…"
    assert sorted(found) == ["Assigned to a stranger", "Assigned to me", shortened]
    assert found[shortened]["description"] == ("Long " * 50).strip() + "\n\nIts text."
    assert found["Assigned to me"]["assignee_id"] == str(ana.id)
    assert found["Assigned to a stranger"]["assignee_id"] is None
    # The importer's own comment keeps its text.
    assert await comment_bodies(any_api, ana, mine["task_id"]) == [(str(ana.id), "mine")]


def not_matched(email: str) -> str:
    return (
        f"assigned to {email} in the file, who is not a member of the project (only people "
        "who share another project with you are added): left unassigned"
    )


async def project_events(project_id: str) -> list[tuple[str, str | None, str | None]]:
    """The events written about the project: (type, member's id, actor's id), oldest first."""
    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox).where(outbox.c.subject == project_id).order_by(outbox.c.id)
            )
        ).all()
    found = [from_row(dict(row._mapping)) for row in rows]
    return [(e["type"], (e.get_data() or {}).get("user_id"), e.get(types.ACTOR_ID)) for e in found]


async def members_of(api: AsyncClient, user: User, project_id: str) -> dict[str, str]:
    """The project's members: role by e-mail address."""
    response = await api.get(f"/api/projects/{project_id}/members", headers=user.headers)
    assert response.status_code == 200, response.text
    return {m["email"]: m["role"] for m in response.json()["items"]}


async def test_a_taskflow_export_brings_back_the_importers_teammates_and_no_one_else(
    any_api: AsyncClient,
) -> None:
    ana, ben, cy, dan = [await signup(any_api, name) for name in ("ana", "ben", "cy", "dan")]
    # Ben and Cy share a project with Ana (Cy as a viewer there); Dan shares none with her.
    shared = await create_project(any_api, ana, "Shared")
    await share_project(any_api, ana, shared["id"], ben, "editor")
    await share_project(any_api, ana, shared["id"], cy, "viewer")
    others = await create_project(any_api, dan, "Dan's")
    await share_project(any_api, dan, others["id"], ben, "editor")
    nobody = "nobody-here@example.com"
    document = taskflow_export(ana, ["Mine", "Stranger's", "Broken"])
    document["members"] = [
        {"email": ana.email, "display_name": "Ana", "role": "owner"},
        {"email": ben.email.upper(), "display_name": "Ben", "role": "owner"},
        {"email": cy.email, "display_name": "Cy", "role": "viewer"},
        {"email": dan.email, "display_name": "Dan", "role": "editor"},
    ]
    document["tasks"] = [
        exported_task(
            ana,
            "Ben's",
            assignee_email=ben.email,
            comments=[{"author_email": ben.email, "body": "On it", "created_at": None}],
        ),
        exported_task(ana, "Cy's", assignee_email=cy.email),
        exported_task(ana, "Dan's", assignee_email=dan.email),
        exported_task(ana, "Nobody's", assignee_email=nobody),
    ]
    response = await upload(any_api, ana, "team.json", json.dumps(document).encode())
    assert response.status_code == 202, response.text
    done = await run_to_the_end(response.json()["id"])
    assert (done["status"], done["created"], done["failed"]) == ("done", 4, 0)
    project_id = done["project_id"]

    # The teammates, with their exported roles (an owner as an editor); not Dan.
    assert await members_of(any_api, ana, project_id) == {
        ana.email: "owner",
        ben.email: "editor",
        cy.email: "viewer",
    }
    found = await project_tasks(any_api, ana, project_id)
    assert {title: task["assignee_id"] for title, task in found.items()} == {
        "Ben's": str(ben.id),
        "Cy's": str(cy.id),
        "Dan's": None,
        "Nobody's": None,
    }
    # Whether an address has an account is not told: the same message for both.
    messages = {i["title"]: i["message"] for i in done["items"]}
    assert messages == {
        "Ben's": None,
        "Cy's": None,
        "Dan's": not_matched(dan.email),
        "Nobody's": not_matched(nobody),
    }
    # A teammate's comment is still posted as the importer's, saying whose it was.
    assert await comment_bodies(any_api, ana, found["Ben's"]["id"]) == [
        (str(ana.id), f"Imported comment by {ben.email}:\n\nOn it")
    ]
    # Ben and Cy are told they were added, by Ana, as the members API tells them; Ana's own
    # screens hear of the project once its tasks are in.
    assert await project_events(project_id) == [
        (types.MEMBER_ADDED, str(ben.id), str(ana.id)),
        (types.MEMBER_ADDED, str(cy.id), str(ana.id)),
        (types.MEMBER_ADDED, str(ana.id), str(ana.id)),
    ]
    # The project is theirs to see.
    seen = await any_api.get(f"/api/projects/{project_id}", headers=cy.headers)
    assert (seen.status_code, seen.json()["role"]) == (200, "viewer")
    assert_problem(await any_api.get(f"/api/projects/{project_id}", headers=dan.headers), 404)


async def test_a_todoist_file_adds_a_teammate_it_assigns_as_an_editor_and_trello_no_one(
    any_api: AsyncClient,
) -> None:
    ana, ben, dan = [await signup(any_api, name) for name in ("ana", "ben", "dan")]
    shared = await create_project(any_api, ana, "Shared")
    await share_project(any_api, ana, shared["id"], ben, "viewer")
    rows = [
        "TYPE,CONTENT,PRIORITY,RESPONSIBLE",
        f"task,For Ben,1,Ben <{ben.email}>",
        f"task,For Dan,1,{dan.email}",
        "task,For Ana,1,Ana Lima (123)",
    ]
    response = await upload(any_api, ana, "team.csv", "\n".join(rows).encode())
    assert response.status_code == 202, response.text
    done = await run_to_the_end(response.json()["id"])
    assert (done["status"], done["created"]) == ("done", 3)
    # No role in the file: an editor, whatever Ben is elsewhere.
    assert await members_of(any_api, ana, done["project_id"]) == {
        ana.email: "owner",
        ben.email: "editor",
    }
    found = await project_tasks(any_api, ana, done["project_id"])
    assert (found["For Ben"]["assignee_id"], found["For Dan"]["assignee_id"]) == (
        str(ben.id),
        None,
    )
    messages = {i["title"]: i["message"] for i in done["items"]}
    assert messages["For Dan"] == not_matched(dan.email)
    assert "assigned to Ana Lima in Todoist" in (messages["For Ana"] or "")
    assert [e[:2] for e in await project_events(done["project_id"])] == [
        (types.MEMBER_ADDED, str(ben.id)),
        (types.MEMBER_ADDED, str(ana.id)),
    ]

    # Trello exports no addresses: its board adds no one, teammates or not.
    board = await run_to_the_end((await started(any_api, ana, TRELLO))["id"])
    assert await members_of(any_api, ana, board["project_id"]) == {ana.email: "owner"}
    assert [e[:2] for e in await project_events(board["project_id"])] == [
        (types.MEMBER_ADDED, str(ana.id))
    ]


async def test_a_bad_file_is_refused_naming_its_line_or_card(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    csv_text = "TYPE,CONTENT,PRIORITY\ntask,Fine,1\ntask,Bad,9\n"
    problem = assert_problem(await upload(any_api, ana, "t.csv", csv_text.encode()), 422)
    assert problem["detail"] == "line 3: PRIORITY “9” is not 1, 2, 3 or 4"
    board = json.loads(FILES[TRELLO])
    board["cards"][0]["due"] = "soon"
    problem = assert_problem(await upload(any_api, ana, "b.json", json.dumps(board).encode()), 422)
    assert problem["detail"] == (
        "card “Fix login on Android 14” (Fx8LgN2q): due “soon” is not a date-time"
    )
    too_long = await upload(any_api, ana, TODOIST.name, FILES[TODOIST], name="n" * 101)
    assert assert_problem(too_long, 422)["errors"][0]["loc"] == ["name"]
    assert (await any_api.get("/api/imports", headers=ana.headers)).json() == {"items": []}


async def test_a_file_over_the_limit_is_refused_with_413(any_api: AsyncClient) -> None:
    ana = await signup(any_api, "ana")
    limit = runtime.current().settings.import_max_bytes
    over = b"TYPE,CONTENT\n" + b"x" * limit
    assert_problem(await upload(any_api, ana, "big.csv", over), 413)
    # Not a form at all.
    response = await any_api.post(
        "/api/projects/import", content=b"TYPE,CONTENT\n", headers=ana.headers
    )
    assert_problem(response, 415)


COMPARED = (
    "title",
    "description",
    "status",
    "priority",
    "labels",
    "due_at",
    "due_date",
    "assignee_id",
    "completed_at",
    "subtask_count",
    "subtasks_done",
)


async def comparable(api: AsyncClient, user: User, project_id: str) -> dict[str, Any]:
    """Each task's fields, its parent's title and its comments, by title."""
    found = await project_tasks(api, user, project_id)
    titles = {task["id"]: title for title, task in found.items()}
    return {
        title: {
            **{name: task[name] for name in COMPARED},
            "parent": titles.get(task["parent_id"]),
            "comments": await comment_bodies(api, user, task["id"]),
        }
        for title, task in found.items()
    }


@pytest.mark.parametrize(("fixture", "form"), [(TRELLO, "json"), (TODOIST, "csv")])
async def test_the_export_of_an_imported_project_imports_to_the_same_tasks(
    any_api: AsyncClient, fixture: Path, form: str
) -> None:
    ana = await signup(any_api, "ana")
    first = await run_to_the_end((await started(any_api, ana, fixture))["id"])
    exported = await any_api.get(
        f"/api/projects/{first['project_id']}/export",
        params={"format": form},
        headers=ana.headers,
    )
    assert exported.status_code == 200, exported.text
    again = await upload(any_api, ana, f"export.{form}", exported.content)
    assert again.status_code == 202, again.text
    assert again.json()["source"] == "taskflow"
    second = await run_to_the_end(again.json()["id"])
    assert (second["status"], second["created"], second["failed"]) == (
        "done",
        first["created"],
        0,
    )
    assert second["project_id"] != first["project_id"]
    before = await comparable(any_api, ana, first["project_id"])
    after = await comparable(any_api, ana, second["project_id"])
    assert after == before
