"""Reading the files a project is imported from: each field of Todoist's CSV, Trello's board
JSON and TaskFlow's export, and a bad file refused naming its line or card."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from functions.core.errors import InvalidInput
from functions.core.imports.plan import Plan, PlanItem, within_depth
from functions.core.imports.reading import read_plan

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
TODOIST_HEADER = (
    "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE"
)
TASKFLOW_HEADER = (
    "id,parent_id,title,description,status,priority,labels,due_at,due_date,assignee_email,"
    "creator_email,created_at,updated_at,completed_at,recurrence,recurrence_basis,comments"
)


def read(name: str, content: bytes | str, max_items: int = 5000) -> Plan:
    raw = content.encode() if isinstance(content, str) else content
    return read_plan(name, raw, max_items)


def refusal(name: str, content: bytes | str) -> str:
    with pytest.raises(InvalidInput) as caught:
        read(name, content)
    return caught.value.detail


def by_ref(plan: Plan) -> dict[str, PlanItem]:
    return {item.ref: item for item in plan.items}


def test_a_todoist_export_maps_each_column() -> None:
    path = FIXTURES / "todoist-website-relaunch.csv"
    plan = read(path.name, path.read_bytes())
    assert plan.source == "todoist"
    assert plan.project_name == "todoist-website-relaunch"
    items = by_ref(plan)
    assert list(items) == ["line 3", "line 7", "line 8", "line 9", "line 11", "line 14"]

    announcement = items["line 3"]
    assert announcement.title == "Write the launch announcement"
    assert announcement.labels == ["marketing", "copy"]
    assert announcement.description == "Two paragraphs, link to the changelog."
    assert announcement.priority == "urgent"  # PRIORITY 1 is Todoist's p1, the highest
    assert announcement.due_date == date(2026, 12, 24)
    assert announcement.due_at is None
    assert [(c.author, c.body, c.created_at) for c in announcement.comments] == [
        (
            "Ana Lima",
            "First draft is in the shared folder.",
            datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        ),
        ("Ben Okafor", "Legal asked for a disclaimer.", None),
    ]

    hero = items["line 7"]
    assert (hero.priority, hero.parent_ref) == ("high", "line 3")
    assert hero.assignee_email is None
    assert "assigned to Ben Okafor in Todoist" in hero.notes[0]

    legal = items["line 8"]
    assert (legal.priority, legal.parent_ref) == ("low", "line 7")
    assert (legal.due_date, legal.due_at) == (None, None)
    assert legal.description == "Due (from Todoist): every monday"
    assert legal.notes == ["the due date “every monday” is not a date: kept in the description"]

    newsletter = items["line 9"]
    assert (newsletter.priority, newsletter.parent_ref) == ("medium", None)
    # 10:00 in Lisbon in December is 10:00 UTC.
    assert newsletter.due_at == datetime(2026, 12, 28, 10, 0, tzinfo=UTC)

    blog = items["line 11"]  # under the section "In progress", over two physical lines
    assert blog.status == "in_progress"
    assert blog.labels == ["web"]
    assert blog.description == "Move posts, keep the URLs.\nRedirect the old feed."

    podcast = items["line 14"]  # the section "Ideas" names no status: it becomes a label
    assert (podcast.status, podcast.labels) == ("todo", ["ideas"])


def test_a_todoist_time_is_read_in_the_rows_time_zone() -> None:
    plan = read(
        "p.csv",
        f"{TODOIST_HEADER}\ntask,Call,,4,1,,,2026-07-01 09:00,en,America/New_York\n",
    )
    assert plan.items[0].due_at == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)


def test_todoist_responsible_with_an_address_is_the_assignee() -> None:
    plan = read("p.csv", f"{TODOIST_HEADER}\ntask,Call,,4,1,,Ana <Ana@Example.com>,,,\n")
    assert plan.items[0].assignee_email == "ana@example.com"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("task,A,,7,1,,,,,", "line 2: PRIORITY “7” is not 1, 2, 3 or 4"),
        ("task,A,,1,x,,,,,", "line 2: INDENT “x” is not a number"),
        ("note,orphan,,,,,,,,", "line 2: a note with no task above it"),
        ("task,A,,1,1,,,,,\nsection,S,,,,,,,,\nnote,x,,,,,,,,", "line 4: a note with no task"),
        ("task,A,,1,1,,,,,\n,,,,,,,,,\nproject,B,,,,,,,,", "line 4: TYPE “project”"),
    ],
)
def test_a_bad_todoist_row_is_refused_naming_its_line(rows: str, expected: str) -> None:
    assert refusal("p.csv", f"{TODOIST_HEADER}\n{rows}\n").startswith(expected)


def test_a_todoist_indent_that_skips_a_level_is_placed_one_level_down() -> None:
    plan = read("p.csv", f"{TODOIST_HEADER}\ntask,A,,4,1,,,,,\ntask,B,,4,3,,,,,\n")
    assert plan.items[1].parent_ref == "line 2"
    assert plan.items[1].notes == ["INDENT 3 skips a level: placed one level deeper"]


def test_a_trello_board_maps_cards_lists_labels_checklists_and_comments() -> None:
    path = FIXTURES / "trello-mobile-app.json"
    plan = read(path.name, path.read_bytes())
    assert (plan.source, plan.project_name) == ("trello", "Mobile app")
    assert plan.project_description == "The iOS and Android app, release 2.0."
    items = by_ref(plan)
    assert list(items) == [
        "card Fx8LgN2q",
        "card Fx8LgN2q item c3d4ea01",
        "card Fx8LgN2q item c3d4ea02",
        "card Hk2PzR7w",
        "card Jr5VbM1c",
        "card Lp9QwE3d",
        "card Nt4HsK8e",
        "card Pw7JyU2f",
    ]
    login = items["card Fx8LgN2q"]
    assert login.title == "Fix login on Android 14"
    assert login.description.startswith("Crash when the keyboard opens.")
    assert login.status == "in_progress"  # list "Doing"
    assert login.labels == ["bug"]
    assert login.due_at == datetime(2026, 12, 20, 17, 0, tzinfo=UTC)
    assert login.assignee_email is None
    assert "Ana Lima (@analima)" in login.notes[0]
    # Oldest first, though Trello lists actions newest first; createCard is no comment.
    assert [(c.author, c.body) for c in login.comments] == [
        ("Ana Lima (@analima)", "1. Open the app\n2. Tap the e-mail field"),
        ("Ben Okafor (@benokafor)", "Fixed on my branch, needs review."),
    ]
    reproduce = items["card Fx8LgN2q item c3d4ea01"]  # lower pos first
    assert (reproduce.title, reproduce.status, reproduce.parent_ref) == (
        "Reproduce on a Pixel 8",
        "done",
        "card Fx8LgN2q",
    )
    assert items["card Fx8LgN2q item c3d4ea02"].status == "todo"
    # An unnamed label is its colour; a list naming no status is a label too.
    assert items["card Hk2PzR7w"].labels == ["design", "green", "backlog"]
    assert items["card Jr5VbM1c"].status == "review"  # "Code review"
    assert items["card Lp9QwE3d"].status == "done"  # dueComplete, in "Doing"
    assert items["card Nt4HsK8e"].status == "done"  # in "Done ✔"
    archived = items["card Pw7JyU2f"]
    assert archived.status == "cancelled"
    assert archived.notes == ["archived in Trello: cancelled"]


def test_a_bad_trello_card_is_refused_naming_the_card() -> None:
    board: dict[str, Any] = json.loads((FIXTURES / "trello-mobile-app.json").read_text())
    board["cards"][1]["due"] = "next week"
    assert refusal("b.json", json.dumps(board)) == (
        "card “New onboarding screens” (Hk2PzR7w): due “next week” is not a date-time"
    )
    board["cards"][1] = {"id": "6571a0c2e4b0a1b2c3d4e8ff", "shortLink": "Zz1", "name": 7}
    assert refusal("b.json", json.dumps(board)) == "card “” (Zz1): the card has no name"


def test_broken_json_is_refused_naming_its_line() -> None:
    assert refusal("b.json", '{\n  "cards": [],\n  "lists": [,]\n}').startswith(
        "line 3: not valid JSON"
    )


def taskflow_document() -> dict[str, Any]:
    task = {
        "id": "11111111-1111-4111-8111-111111111111",
        "parent_id": None,
        "title": "Plan the sprint",
        "description": "- agenda\n- goals",
        "status": "in_progress",
        "priority": "high",
        "due_at": "2026-12-10T09:00:00+00:00",
        "due_date": None,
        "labels": ["planning"],
        "assignee_email": "Ana@Example.com",
        "creator_email": "ana@example.com",
        "created_at": "2026-12-01T08:00:00+00:00",
        "updated_at": "2026-12-01T08:00:00+00:00",
        "completed_at": None,
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "recurrence_basis": "due",
        "comments": [
            {
                "id": "c1",
                "author_email": "ben@example.com",
                "body": "=SUM(A1)",
                "created_at": "2026-12-02T08:00:00+00:00",
                "updated_at": "2026-12-02T08:00:00+00:00",
            }
        ],
        "attachments": [],
    }
    subtask = {
        **task,
        "id": "22222222-2222-4222-8222-222222222222",
        "parent_id": task["id"],
        "title": "Book the room",
        "status": "done",
        "completed_at": "2026-12-03T10:00:00+00:00",
        "due_at": "2026-12-08T22:59:59+00:00",
        "due_date": "2026-12-08",
        "recurrence": None,
        "recurrence_basis": None,
        "comments": [],
    }
    return {
        "format": "taskflow.project",
        "version": 1,
        "exported_at": "2026-12-05T00:00:00+00:00",
        "project": {"id": "p", "name": "Sprint", "description": "Team sprint", "created_at": ""},
        "members": [],
        # The subtask first: it still follows its parent.
        "tasks": [subtask, task],
    }


def test_a_taskflow_json_export_reads_back_every_field() -> None:
    plan = read("sprint.json", json.dumps(taskflow_document()))
    assert (plan.source, plan.project_name, plan.project_description) == (
        "taskflow",
        "Sprint",
        "Team sprint",
    )
    parent, child = plan.items
    assert (parent.ref, child.ref, child.parent_ref) == ("task 2", "task 1", "task 2")
    assert parent.title == "Plan the sprint"
    assert parent.description == "- agenda\n- goals"
    assert (parent.status, parent.priority, parent.labels) == ("in_progress", "high", ["planning"])
    assert parent.due_at == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert parent.assignee_email == "ana@example.com"
    assert (parent.recurrence, parent.recurrence_basis) == ("FREQ=WEEKLY;BYDAY=MO", "due")
    assert [(c.author, c.body) for c in parent.comments] == [("ben@example.com", "=SUM(A1)")]
    # All day: the day is kept, its instant is the importer's end of that day.
    assert (child.due_date, child.due_at) == (date(2026, 12, 8), None)
    assert child.completed_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_a_taskflow_csv_export_reads_back_and_takes_off_the_formula_guard() -> None:
    comments = json.dumps(
        [{"author_email": "ben@example.com", "body": "ok", "created_at": "2026-12-02T08:00:00Z"}]
    ).replace('"', '""')
    rows = [
        TASKFLOW_HEADER,
        'a1,,\'=cmd,"\'- one\n- two",review,urgent,"x, y",2026-12-10T09:00:00+00:00,,'
        f'ana@example.com,ana@example.com,2026-12-01T08:00:00Z,2026-12-01T08:00:00Z,,,,"{comments}"',
        "b2,a1,Sub,,done,low,,,2026-12-09,,,2026-12-01T08:00:00Z,2026-12-01T08:00:00Z,"
        "2026-12-03T10:00:00Z,,,",
    ]
    plan = read("Sprint.csv", "\r\n".join(rows) + "\r\n")
    assert (plan.source, plan.project_name) == ("taskflow", "Sprint")
    first, second = plan.items
    assert (first.ref, second.ref, second.parent_ref) == ("line 2", "line 4", "line 2")
    assert (first.title, first.description) == ("=cmd", "- one\n- two")
    assert (first.status, first.priority, first.labels) == ("review", "urgent", ["x", "y"])
    assert first.assignee_email == "ana@example.com"
    assert [(c.author, c.body) for c in first.comments] == [("ben@example.com", "ok")]
    assert (second.status, second.due_date) == ("done", date(2026, 12, 9))


def test_a_taskflow_json_export_keeps_its_members_and_their_roles() -> None:
    document = taskflow_document()
    document["members"] = [
        {"email": "Ana@Example.com", "display_name": "Ana", "role": "owner"},
        {"email": "ben@example.com", "display_name": "Ben", "role": "viewer"},
    ]
    plan = read("sprint.json", json.dumps(document))
    assert [(m.email, m.role) for m in plan.members] == [
        ("ana@example.com", "owner"),
        ("ben@example.com", "viewer"),
    ]
    # Left out, as in a file written by hand: no members.
    del document["members"]
    assert read("sprint.json", json.dumps(document)).members == []
    # Other sources list none.
    trello = FIXTURES / "trello-mobile-app.json"
    assert read(trello.name, trello.read_bytes()).members == []


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"email": "a@example.com"}, "the export's “members” is not a list"),
        (["a@example.com"], "member 1: no e-mail address"),
        ([{"email": "Ana", "role": "owner"}], "member 1: no e-mail address"),
        (
            [{"email": "a@example.com", "role": "admin"}],
            "member 1 (a@example.com): role “admin” is not one of ('owner', 'editor', 'viewer')",
        ),
    ],
)
def test_a_bad_taskflow_member_is_refused_naming_it(members: object, expected: str) -> None:
    document = taskflow_document()
    document["members"] = members
    assert refusal("s.json", json.dumps(document)) == expected


def test_a_bad_taskflow_task_is_refused_naming_it() -> None:
    document = taskflow_document()
    document["tasks"][1]["status"] = "blocked"
    assert refusal("s.json", json.dumps(document)).startswith(
        "task 2 (“Plan the sprint”): status “blocked” is not one of"
    )
    csv_text = f"{TASKFLOW_HEADER}\na1,,T,,todo,medium,,,,,,,,,,,[\n"
    assert refusal("s.csv", csv_text).startswith("line 2: the comments cell is not JSON")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name,notes\nA,B\n", "line 1: the header is neither Todoist's"),
        ('{"name": "x"}', "this JSON is neither a Trello board nor a TaskFlow export"),
        (b"TYPE,CONTENT\ntask,\xff\n", "line 2: the file is not UTF-8 text"),
        (f"{TODOIST_HEADER}\n", "the file holds no tasks"),
    ],
)
def test_a_file_of_another_kind_is_refused(content: str | bytes, expected: str) -> None:
    assert refusal("f.txt", content).startswith(expected)


def test_a_file_with_too_many_tasks_is_refused() -> None:
    rows = "\n".join(f"task,T{n},,4,1,,,,," for n in range(4))
    with pytest.raises(InvalidInput, match="holds 4 tasks; at most 3"):
        read("p.csv", f"{TODOIST_HEADER}\n{rows}\n", max_items=3)


def test_subtasks_deeper_than_allowed_go_under_their_deepest_allowed_ancestor() -> None:
    rows = "\n".join(f"task,T{n},,4,{n},,,,," for n in range(1, 6))
    plan = read("p.csv", f"{TODOIST_HEADER}\n{rows}\n")
    items = within_depth(plan.items, 3)
    assert [i.parent_ref for i in items] == [None, "line 2", "line 3", "line 3", "line 3"]
    assert items[3].notes == ["nested deeper than 3 levels: placed under line 3"]
