"""Literal paths reach their own functions through the gateway, not the task-id template."""

from __future__ import annotations

from httpx import AsyncClient

from tests.support import assert_problem, signup


async def test_task_stats_is_answered_by_the_stats_function(api: AsyncClient) -> None:
    user = await signup(api, "counter")
    response = await api.get("/api/tasks/stats", headers=user.headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"total", "by_status", "by_priority", "overdue"}


async def test_bulk_is_answered_by_the_bulk_function(api: AsyncClient) -> None:
    user = await signup(api, "bulker")
    response = await api.post("/api/tasks/bulk", json={"set": {}}, headers=user.headers)
    body = assert_problem(response, 422)
    assert ["ids"] in [error["loc"] for error in body["errors"]]


async def test_other_methods_on_the_literal_paths_are_405_not_a_task_lookup(
    api: AsyncClient,
) -> None:
    user = await signup(api, "prober")
    for path, allowed in (("/api/tasks/stats", "GET"), ("/api/tasks/bulk", "POST")):
        for method in ("DELETE", "PATCH"):
            response = await api.request(method, path, headers=user.headers)
            assert_problem(response, 405)
            assert response.headers["allow"] == allowed
