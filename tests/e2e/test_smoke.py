from httpx import AsyncClient

from tests.support import signup


async def test_a_new_user_can_register_and_read_their_profile(any_api: AsyncClient) -> None:
    user = await signup(any_api, "alice")
    me = await any_api.get("/api/auth/me", headers=user.headers)
    assert me.json()["email"] == user.email
