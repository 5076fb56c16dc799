"""The soak's users: members of one project who create, move, comment on, reassign and complete
tasks through the gateway, each recording every operation in the ledger with the traces it must
leave (see tests.soak.ledger), and, once the system has settled, what it shows.

Every member works on the tasks they created and assigns them to others, so the notifications
each operation causes have known recipients: a task's creator and assignee hear of its changes
(never the one who made them), and, as each member asked to hear of every new task there, the
other members of the project of its creation. A task whose last operation's outcome is unknown
is left alone from then on: its state is unknown.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from tests.soak.ledger import Operation, Trace, tokens_in

PASSWORD: Final = "soak-password-123"
# Longer than any fault's outage, shorter than the soak: a request past it is "unknown".
REQUEST_TIMEOUT_SECONDS: Final = 20.0
MOVES: Final = {"todo": "in_progress", "in_progress": "review", "review": "done"}


@dataclass
class Member:
    name: str
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class OwnTask:
    id: str
    status: str
    assignee: Member


@dataclass
class Team:
    project_id: str
    members: list[Member]
    ledger: list[Operation] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def token(self) -> str:
        return f"op-{next(self._numbers)}"


async def sign_up(client: httpx.AsyncClient, count: int) -> Team:
    """`count` new accounts, the first owning a new project with the others as editors."""
    members = []
    for n in range(count):
        name = f"Soak{n}"
        email = f"soak-{n}-{uuid.uuid4().hex[:8]}@example.com"
        response = await client.post(
            "/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": name}
        )
        response.raise_for_status()
        body = response.json()
        me = await client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        me.raise_for_status()
        members.append(Member(name, me.json()["id"], body["access_token"]))
    owner = members[0]
    project = await client.post("/api/projects", json={"name": "Soak"}, headers=owner.headers)
    project.raise_for_status()
    project_id = project.json()["id"]
    for other in members[1:]:
        added = await client.post(
            f"/api/projects/{project_id}/members",
            json={"user_id": other.id, "role": "editor"},
            headers=owner.headers,
        )
        added.raise_for_status()
    for member in members:  # each hears of every new task, not only of those they watch
        subscribed = await client.put(
            f"/api/projects/{project_id}/subscription",
            json={"new_tasks": True},
            headers=member.headers,
        )
        subscribed.raise_for_status()
    return Team(project_id, members)


class Worker:
    """One member's loop of operations until `until` (time.monotonic())."""

    def __init__(self, team: Team, me: Member, client: httpx.AsyncClient, seed: int) -> None:
        self.team = team
        self.me = me
        self.client = client
        self.random = random.Random(seed)
        self.tasks: list[OwnTask] = []
        self.others = [m for m in team.members if m is not me]

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            if len(self.tasks) < 3 or self.random.random() < 0.25:
                await self.create()
            else:
                task = self.random.choice(self.tasks)
                action = self.random.choice((self.move, self.move, self.comment, self.reassign))
                await action(task)
            await asyncio.sleep(self.random.uniform(0.05, 0.25))

    async def create(self) -> None:
        token = self.team.token()
        assignee = self.random.choice(self.others)
        told_of_creation = [m for m in self.others if m is not assignee]
        expected = (
            Trace("history", "created", ""),
            Trace("history", "assigned", ""),
            Trace("notification", "task.assigned", assignee.name),
            *(Trace("notification", "task.created", m.name) for m in told_of_creation),
        )
        body = {
            "project_id": self.team.project_id,
            "title": f"{token} new",
            "assignee_id": assignee.id,
        }
        response = await self._call("create", token, expected, "POST", "/api/tasks", json=body)
        if response is not None:
            self.tasks.append(OwnTask(response["id"], "todo", assignee))

    async def move(self, task: OwnTask) -> None:
        token = self.team.token()
        status = MOVES[task.status]
        who = task.assignee.name
        expected = (
            Trace("history", "status_changed", ""),
            Trace("history", "updated", ""),  # the title
            Trace("notification", "task.status_changed", who),
            Trace("notification", "task.updated", who),
        )
        body = {"title": f"{token} to {status}", "status": status}
        done = await self._call(
            f"move to {status}", token, expected, "PATCH", f"/api/tasks/{task.id}", json=body
        )
        self._after(task, done, status=status)

    async def comment(self, task: OwnTask) -> None:
        token = self.team.token()
        expected = (
            Trace("history", "comment_added", ""),
            Trace("notification", "comment.added", task.assignee.name),
        )
        body = {"body": f"{token} a few words"}
        path = f"/api/tasks/{task.id}/comments"
        done = await self._call("comment", token, expected, "POST", path, json=body)
        self._after(task, done)

    async def reassign(self, task: OwnTask) -> None:
        token = self.team.token()
        to = self.random.choice([m for m in self.others if m is not task.assignee])
        expected = (
            Trace("history", "assigned", ""),
            Trace("history", "updated", ""),
            Trace("notification", "task.assigned", to.name),
            Trace("notification", "task.updated", to.name),
        )
        body = {"title": f"{token} to {to.name}", "assignee_id": to.id}
        done = await self._call(
            "reassign", token, expected, "PATCH", f"/api/tasks/{task.id}", json=body
        )
        self._after(task, done, assignee=to)

    def _after(
        self, task: OwnTask, done: Any, status: str | None = None, assignee: Member | None = None
    ) -> None:
        """The task's state after an operation: forgotten if the outcome is unknown."""
        if done is None:
            self.tasks.remove(task)
            return
        task.status = status or task.status
        task.assignee = assignee or task.assignee
        if task.status == "done":
            self.tasks.remove(task)

    async def _call(
        self,
        name: str,
        token: str,
        expected: tuple[Trace, ...],
        method: str,
        path: str,
        **kwargs: Any,
    ) -> Any:
        """Send it, record it; the answer's JSON when acknowledged, else None."""
        op = Operation(token, name, time.monotonic(), expected=expected)
        self.team.ledger.append(op)
        try:
            response = await self.client.request(method, path, headers=self.me.headers, **kwargs)
        except httpx.TransportError as exc:
            op.ended, op.outcome, op.status = time.monotonic(), "unknown", None
            op.name = f"{name}: {type(exc).__name__}"
            return None
        op.ended, op.status = time.monotonic(), response.status_code
        if response.is_success:
            op.outcome = "acknowledged"
            return response.json()
        op.outcome = "unknown" if response.status_code >= 500 else "failed"
        op.name = f"{name}: {response.text[:120]}"
        return None


async def traces_seen(client: httpx.AsyncClient, team: Team) -> Counter[tuple[str, Trace]]:
    """Every trace the system shows, by token: the project's history and each member's feed."""
    seen: Counter[tuple[str, Trace]] = Counter()
    owner = team.members[0]
    async for entry in _pages(client, f"/api/projects/{team.project_id}/activity", owner):
        # A comment's entry carries the comment's words; the others, the task's title then.
        text = entry["excerpt"] if entry["kind"] == "comment_added" else entry["task_title"]
        for token in tokens_in(text or "")[-1:]:
            seen[token, Trace("history", entry["kind"], "")] += 1
    for member in team.members:
        async for note in _pages(client, "/api/notifications", member):
            # The last token: a comment's notice names the task, then the comment's words.
            for token in tokens_in(note["message"])[-1:]:
                seen[token, Trace("notification", note["kind"], member.name)] += 1
    return seen


async def _pages(
    client: httpx.AsyncClient, path: str, member: Member
) -> AsyncIterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=params, headers=member.headers)
        response.raise_for_status()
        page = response.json()
        for item in page["items"]:
            yield item
        cursor = page.get("next_cursor")
        if not cursor:
            return
