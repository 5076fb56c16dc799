"""A project exported as JSON or CSV and imported again (source "taskflow") becomes a project
with the same tasks, field by field, and the same assignees (the importer's teammates join it),
on both databases."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.integration.helpers_tasks import create_task
from tests.integration.test_exports import export, rich_project
from tests.integration.test_imports import run_to_the_end, upload

# Carried over as they are.
SAME = (
    "title",
    "description",
    "status",
    "priority",
    "due_at",
    "due_date",
    "labels",
    "completed_at",
    "recurrence",
    "recurrence_basis",
)


@pytest.mark.parametrize("format", ["json", "csv"])
async def test_an_exported_project_imports_back_to_the_same_tasks(
    any_api: AsyncClient, format: str
) -> None:
    made = await rich_project(any_api)
    ana, ben, cy, project = made["ana"], made["ben"], made["cy"], made["project"]
    # Assigned to the importer, to Ben (an editor) and to Cy (a viewer): all of them Ana's
    # teammates, since they share the exported project with her.
    pid = uuid.UUID(project["id"])
    await create_task(any_api, ana, pid, title="Mine", assignee_id=str(ana.id))
    await create_task(any_api, ana, pid, title="Cy's", assignee_id=str(cy.id))
    original = (await export(any_api, ana, project["id"])).json()
    file = await export(any_api, ana, project["id"], format)

    started = await upload(any_api, ana, f"Launch.{format}", file.content)
    assert started.status_code == 202, started.text
    assert started.json()["source"] == "taskflow"
    finished = await run_to_the_end(started.json()["id"])
    assert finished["status"] == "done", finished
    assert finished["created"] == len(original["tasks"])
    assert finished["failed"] == 0
    imported = (await export(any_api, ana, finished["project_id"])).json()

    before, after = original["tasks"], imported["tasks"]
    assert [t["title"] for t in after] == [t["title"] for t in before]
    for old, new in zip(before, after, strict=True):
        assert {k: new[k] for k in SAME} == {k: old[k] for k in SAME}, old["title"]
        # Every assignee comes back: each is one of the importer's teammates, or the importer.
        assert new["assignee_email"] == old["assignee_email"]
        assert new["creator_email"] == ana.email
        assert len(new["comments"]) == len(old["comments"])
        for was, now in zip(old["comments"], new["comments"], strict=True):
            if was["author_email"] == ana.email:
                assert (now["author_email"], now["body"]) == (ana.email, was["body"])
            else:  # by someone not in the new project: the importer's, saying whose
                assert now["author_email"] == ana.email
                assert now["body"].startswith(f"Imported comment by {was['author_email']} on ")
                assert now["body"].endswith(was["body"])
    # A subtask's parent is the imported copy of its parent.
    titles = {t["id"]: t["title"] for t in after}
    parents = {t["title"]: titles[t["parent_id"]] for t in after if t["parent_id"] is not None}
    assert parents == {"Book the hall": "Write the press release"}
    if format == "json":
        assert imported["project"]["name"] == "Launch / Q3"
        assert imported["project"]["description"] == "Everything for the launch"
        # The export's members join with their roles.
        roles = {ana.email: "owner", ben.email: "editor", cy.email: "viewer"}
    else:  # a CSV holds tasks only: the project is named after the file
        assert imported["project"]["name"] == "Launch"
        # ...and names only assignees, who join as editors.
        roles = {ana.email: "owner", ben.email: "editor", cy.email: "editor"}
    assert {m["email"]: m["role"] for m in imported["members"]} == roles
