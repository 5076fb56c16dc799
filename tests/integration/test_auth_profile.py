"""The signed-in user's profile: reading it, changing the display name, e-mail and time zone."""

from __future__ import annotations

from datetime import datetime

import pytest
from httpx import AsyncClient, Response

from tests.support import PASSWORD, User, assert_problem, signup


async def update_me(api: AsyncClient, user: User, body: object) -> Response:
    return await api.patch("/api/auth/me", json=body, headers=user.headers)


async def test_me_shows_the_signed_in_user(any_api: AsyncClient) -> None:
    user = await signup(any_api, "ada")

    response = await any_api.get("/api/auth/me", headers=user.headers)

    assert response.status_code == 200
    profile = response.json()
    assert profile["id"] == str(user.id)
    assert profile["email"] == user.email
    assert profile["display_name"] == "Ada"
    assert profile["email_verified"] is False  # until the mailed link is followed
    assert set(profile) == {
        "id",
        "email",
        "display_name",
        "time_zone",
        "email_verified",
        "created_at",
        "updated_at",
    }
    assert profile["time_zone"] is None  # not chosen yet: times are written in UTC


async def test_a_new_display_name_is_kept(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    before = (await any_api.get("/api/auth/me", headers=user.headers)).json()

    response = await update_me(any_api, user, {"display_name": "  Grace Hopper  "})

    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Grace Hopper"
    after = (await any_api.get("/api/auth/me", headers=user.headers)).json()
    assert after["display_name"] == "Grace Hopper"
    assert after["email"] == before["email"]
    assert datetime.fromisoformat(after["updated_at"]) >= datetime.fromisoformat(
        before["updated_at"]
    )


async def test_a_new_email_is_stored_in_lower_case_and_signs_in(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    new_email = "Renamed-" + user.email.upper()

    response = await update_me(any_api, user, {"email": new_email})

    assert response.status_code == 200, response.text
    assert response.json()["email"] == new_email.lower()
    signed_in = await any_api.post(
        "/api/auth/login", json={"email": new_email, "password": PASSWORD}
    )
    any_api.cookies.clear()
    assert signed_in.status_code == 200, signed_in.text


async def test_an_email_another_account_uses_is_a_conflict_whatever_its_case(
    any_api: AsyncClient,
) -> None:
    user = await signup(any_api)
    other = await signup(any_api)

    response = await update_me(any_api, user, {"email": other.email.upper()})

    assert_problem(response, 409)
    assert (await any_api.get("/api/auth/me", headers=user.headers)).json()["email"] == user.email


async def test_keeping_ones_own_email_in_another_case_is_fine(any_api: AsyncClient) -> None:
    user = await signup(any_api)

    response = await update_me(any_api, user, {"email": user.email.upper()})

    assert response.status_code == 200, response.text
    assert response.json()["email"] == user.email


async def test_an_empty_update_changes_nothing(any_api: AsyncClient) -> None:
    user = await signup(any_api)
    before = (await any_api.get("/api/auth/me", headers=user.headers)).json()

    response = await update_me(any_api, user, {})

    assert response.status_code == 200
    assert response.json() == before


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": None},
        {"email": None},
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": "x" * 101},
        {"display_name": "Nul\u0000Name"},
        {"email": "not-an-email"},
        {"password_hash": "$argon2id$..."},
        {"id": "00000000-0000-0000-0000-000000000000"},
        ["display_name"],
    ],
    ids=[
        "null name",
        "null email",
        "empty name",
        "blank name",
        "long name",
        "NUL in name",
        "bad email",
        "password hash",
        "id",
        "not an object",
    ],
)
async def test_an_invalid_update_is_refused_with_422(any_api: AsyncClient, body: object) -> None:
    user = await signup(any_api)

    assert_problem(await update_me(any_api, user, body), 422)


async def test_a_time_zone_is_kept_and_null_clears_it(any_api: AsyncClient) -> None:
    user = await signup(any_api)

    chosen = await update_me(any_api, user, {"time_zone": "Europe/Lisbon"})

    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["time_zone"] == "Europe/Lisbon"
    profile = (await any_api.get("/api/auth/me", headers=user.headers)).json()
    assert profile["time_zone"] == "Europe/Lisbon"
    renamed = await update_me(any_api, user, {"display_name": "Ada L."})
    assert renamed.json()["time_zone"] == "Europe/Lisbon"  # left out: kept

    cleared = await update_me(any_api, user, {"time_zone": None})

    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["time_zone"] is None
    assert (await any_api.get("/api/auth/me", headers=user.headers)).json()["time_zone"] is None


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "europe/lisbon", "../etc/passwd", "", "localtime", 42]
)
async def test_an_unknown_time_zone_is_a_422_naming_the_field(
    any_api: AsyncClient, zone: object
) -> None:
    user = await signup(any_api)
    await update_me(any_api, user, {"time_zone": "Asia/Tokyo"})

    problem = assert_problem(await update_me(any_api, user, {"time_zone": zone}), 422)

    assert "time_zone" in str(problem)
    profile = (await any_api.get("/api/auth/me", headers=user.headers)).json()
    assert profile["time_zone"] == "Asia/Tokyo"


async def test_the_profile_needs_an_access_token(any_api: AsyncClient) -> None:
    response = await any_api.patch("/api/auth/me", json={"display_name": "Nobody"})

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
