"""A user's whole session, each request answered by its own function's functions-framework app."""

from __future__ import annotations

import secrets
from typing import Any

import jwt
from httpx import Response

from tests.functions.conftest import Functions
from tests.support import PASSWORD, assert_problem


async def _register(functions: Functions, name: str = "fn-user") -> dict[str, Any]:
    email = f"{name}-{secrets.token_hex(4)}@example.com"
    response = await functions.post(
        "/api/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": name.title()},
    )
    assert response.status_code == 201, response.text
    tokens: dict[str, Any] = response.json()
    return {"email": email, **tokens}


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _json(response: Response, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


async def test_healthz_answers_ok_at_its_path_and_at_any_other(functions: Functions) -> None:
    assert _json(await functions.get("/healthz"), 200) == {"status": "ok"}
    # A lone function process serves every path: Knative sends it only its own.
    other = await functions.client("healthz").get("/anything/else")
    assert other.json() == {"status": "ok"}


async def test_the_jwks_function_publishes_the_key_that_verifies_a_new_users_token(
    functions: Functions,
) -> None:
    tokens = await _register(functions)
    for path in ("/.well-known/jwks.json", "/api/auth/jwks"):
        response = await functions.get(path)
        document = _json(response, 200)
        assert response.headers["cache-control"] == "public, max-age=300"
        kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
        jwk = next(k for k in document["keys"] if k["kid"] == kid)
        assert "d" not in jwk  # public half only
        claims = jwt.decode(
            tokens["access_token"],
            jwt.PyJWK(jwk).key,
            algorithms=[jwk["alg"]],
            audience="taskflow-api",
            issuer="taskflow",
        )
        assert claims["typ"] == "access"


async def test_a_user_registers_signs_in_and_reads_their_profile(functions: Functions) -> None:
    registered = await _register(functions, "ada")
    assert registered["token_type"] == "Bearer"
    assert registered["expires_in"] > 0
    assert registered["refresh_token"]

    response = await functions.post(
        "/api/auth/login", json={"email": registered["email"], "password": PASSWORD}
    )
    signed_in = _json(response, 200)
    assert "httponly" in response.headers["set-cookie"].lower()
    assert signed_in["access_token"] != registered["access_token"]

    me = _json(await functions.get("/api/auth/me", headers=_bearer(signed_in)), 200)
    assert me["email"] == registered["email"]
    assert me["display_name"] == "Ada"

    wrong = await functions.post(
        "/api/auth/login", json={"email": registered["email"], "password": "not the password"}
    )
    assert_problem(wrong, 401)
    assert functions.answered_by == ["register", "login", "get_me", "login"]


async def test_a_project_its_tasks_and_comments_round_trip_through_their_functions(
    functions: Functions,
) -> None:
    user = _bearer(await _register(functions, "grace"))
    projects = _json(await functions.get("/api/projects", headers=user), 200)
    assert [p["name"] for p in projects["items"]] == ["Inbox"]

    project = _json(
        await functions.post("/api/projects", json={"name": "Launch"}, headers=user), 201
    )
    assert project["role"] == "owner"
    assert _json(await functions.get(f"/api/projects/{project['id']}", headers=user), 200) == (
        project
    )

    created = await functions.post(
        "/api/tasks",
        json={
            "project_id": project["id"],
            "title": "Write the launch post",
            "priority": "high",
            "labels": ["Writing", "launch"],
            "due_at": "2030-01-15T09:00:00+01:00",
        },
        headers=user,
    )
    task = _json(created, 201)
    assert task["labels"] == ["writing", "launch"]
    assert task["status"] == "todo"
    assert task["version"] == 1
    assert created.headers["etag"] == '"1"'

    listed = _json(
        await functions.get(
            "/api/tasks", params={"project_id": project["id"], "priority": "high"}, headers=user
        ),
        200,
    )
    assert [t["id"] for t in listed["items"]] == [task["id"]]
    assert listed["next_cursor"] is None

    read = await functions.get(f"/api/tasks/{task['id']}", headers=user)
    assert read.headers["etag"] == '"1"'

    changed = await functions.patch(
        f"/api/tasks/{task['id']}",
        json={"status": "done"},
        headers={**user, "If-Match": read.headers["etag"]},
    )
    assert _json(changed, 200)["version"] == 2
    assert changed.json()["completed_at"] is not None
    stale = await functions.patch(
        f"/api/tasks/{task['id']}", json={"title": "Too late"}, headers={**user, "If-Match": '"1"'}
    )
    assert_problem(stale, 412)

    stats = _json(await functions.get("/api/tasks/stats", headers=user), 200)
    assert stats["by_status"]["done"] >= 1

    comment = _json(
        await functions.post(
            f"/api/tasks/{task['id']}/comments", json={"body": "Shipped."}, headers=user
        ),
        201,
    )
    comments = _json(await functions.get(f"/api/tasks/{task['id']}/comments", headers=user), 200)
    assert [c["body"] for c in comments["items"]] == ["Shipped."]
    gone = await functions.delete(f"/api/tasks/{task['id']}/comments/{comment['id']}", headers=user)
    assert gone.status_code == 204

    bulk = await functions.post(
        "/api/tasks/bulk", json={"ids": [task["id"]], "set": {"priority": "low"}}, headers=user
    )
    assert [t["priority"] for t in _json(bulk, 200)["items"]] == ["low"]

    assert (await functions.delete(f"/api/tasks/{task['id']}", headers=user)).status_code == 204
    assert_problem(await functions.get(f"/api/tasks/{task['id']}", headers=user), 404)
    assert (await functions.delete(f"/api/projects/{project['id']}", headers=user)).status_code == (
        204
    )
    assert set(functions.answered_by) >= {
        "list_projects",
        "create_project",
        "get_project",
        "create_task",
        "list_tasks",
        "get_task",
        "update_task",
        "task_stats",
        "add_comment",
        "list_comments",
        "delete_comment",
        "bulk_update_tasks",
        "delete_task",
        "delete_project",
    }


async def test_project_members_are_managed_through_their_functions(functions: Functions) -> None:
    owner = _bearer(await _register(functions, "owner"))
    guest_tokens = await _register(functions, "guest")
    guest = _bearer(guest_tokens)
    project = _json(
        await functions.post("/api/projects", json={"name": "Shared"}, headers=owner), 201
    )
    members_path = f"/api/projects/{project['id']}/members"

    added = _json(
        await functions.post(
            members_path, json={"email": guest_tokens["email"], "role": "viewer"}, headers=owner
        ),
        201,
    )
    assert added["role"] == "viewer"
    member_path = f"{members_path}/{added['user_id']}"

    listed = _json(await functions.get(members_path, headers=guest), 200)
    assert sorted(m["role"] for m in listed["items"]) == ["owner", "viewer"]
    assert_problem(
        await functions.post(
            "/api/tasks", json={"project_id": project["id"], "title": "No"}, headers=guest
        ),
        403,
    )

    promoted = await functions.patch(member_path, json={"role": "editor"}, headers=owner)
    assert _json(promoted, 200)["role"] == "editor"
    assert (await functions.delete(member_path, headers=owner)).status_code == 204
    assert_problem(await functions.get(f"/api/projects/{project['id']}", headers=guest), 404)
    assert {"add_member", "list_members", "change_member_role", "remove_member"} <= set(
        functions.answered_by
    )


async def test_a_session_is_refreshed_and_ended_through_the_auth_functions(
    functions: Functions,
) -> None:
    tokens = await _register(functions, "sam")
    refreshed = _json(
        await functions.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        200,
    )
    assert refreshed["refresh_token"] != tokens["refresh_token"]

    renamed = await functions.patch(
        "/api/auth/me", json={"display_name": "Samuel"}, headers=_bearer(refreshed)
    )
    assert _json(renamed, 200)["display_name"] == "Samuel"

    logout = await functions.post("/api/auth/logout", headers=_bearer(refreshed))
    assert logout.status_code == 204
    assert_problem(await functions.get("/api/auth/me", headers=_bearer(refreshed)), 401)
