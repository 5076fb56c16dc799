"""An import in `taskflow dev`, through the real HTTP upload and the event pipeline: the upload
answers at once, the in-process broker brings `run_import` its event (and each hand-on of a
long import), and polling the import shows it finish with every task created."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import BIN, Server, Servers, clean_environment, free_port
from tests.support import PASSWORD

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
HEADER = "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE"


def _start_dev(servers: Servers, data_dir: Path) -> Server:
    port = free_port()
    env = clean_environment(TASKFLOW_DATA_DIR=str(data_dir))
    command = [str(BIN / "taskflow"), "dev", "--port", str(port)]
    return servers.start("taskflow-dev-import", command, port, env)


def _finished(client: httpx.Client, import_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """The import once it is done or failed, polled as the web app polls it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/api/imports/{import_id}")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        if found["status"] in ("done", "failed"):
            return found
        time.sleep(0.3)
    raise AssertionError(f"import {import_id} did not finish within {timeout} s: {found}")


def test_a_trello_board_and_a_long_todoist_file_import_through_the_event_pipeline(
    servers: Servers, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = _start_dev(servers, data_dir)
    with server.client() as client:
        email = f"importer-{uuid.uuid4().hex[:8]}@example.com"
        registered = client.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Importer"},
        )
        assert registered.status_code == 201, registered.text
        client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
        client.cookies.clear()

        board = (FIXTURES / "trello-mobile-app.json").read_bytes()
        queued = client.post(
            "/api/projects/import", files={"file": ("board.json", board, "application/json")}
        )
        assert queued.status_code == 202, queued.text
        done = _finished(client, queued.json()["id"])
        assert (done["status"], done["created"], done["failed"]) == ("done", 8, 0)
        listed = client.get("/api/tasks", params={"project_id": done["project_id"], "limit": 100})
        assert sorted(t["title"] for t in listed.json()["items"]) == sorted(
            i["title"] for i in done["items"]
        )
        projects = client.get("/api/projects").json()["items"]
        assert "Mobile app" in [p["name"] for p in projects]

        # Long enough to take several batches, and several deliveries of run_import.
        rows = [HEADER]
        for n in range(1, 401):
            rows.append(f"task,Task {n} @bulk,,{n % 4 + 1},{2 if n % 10 else 1},,,,en,UTC")
        content = ("\n".join(rows) + "\n").encode()
        queued = client.post(
            "/api/projects/import",
            files={"file": ("bulk.csv", content, "text/csv")},
            data={"name": "Bulk"},
        )
        assert queued.status_code == 202, queued.text
        done = _finished(client, queued.json()["id"], timeout=120.0)
        assert (done["status"], done["processed"], done["created"], done["failed"]) == (
            "done",
            400,
            400,
            0,
        )
        assert [i["position"] for i in done["items"]] == list(range(400))
        stats = client.get("/api/tasks/stats", params={"project_id": done["project_id"]})
        assert stats.status_code == 200, stats.text
        assert stats.json()["total"] == 400

        again = client.post(
            "/api/projects/import", files={"file": ("bulk-again.csv", content, "text/csv")}
        )
        assert again.status_code == 200, again.text
        assert again.json()["id"] == queued.json()["id"]
