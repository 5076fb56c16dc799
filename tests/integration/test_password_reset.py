"""Password reset by a mailed single-use link, on both databases: written as a file in the
embedded mode, sent through (moto's) SES on the servers."""

from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update

from events import types
from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.errors import InvalidLink
from functions.core.models.account_mail import RESET_REQUESTED
from functions.core.runtime import Runtime
from functions.core.security.digests import secret_hash
from functions.core.tables import account_tokens
from tests.integration.helpers_account_mail import (
    account_events,
    logged,
    mail_dir,
    received,
    send_mail_for,
    ses,  # noqa: F401 (a fixture)
)
from tests.support import PASSWORD, User, assert_problem, serve, signup

RESET = "/api/auth/password-reset"
COMPLETE = "/api/auth/password-reset/complete"
NEW_PASSWORD = "a brand new passphrase"  # pragma: allowlist secret

pytestmark = pytest.mark.usefixtures("ses")


def current_rt() -> Runtime:
    return runtime.current()


async def ask(api: AsyncClient, address: str) -> None:
    response = await api.post(RESET, json={"email": address})
    assert response.status_code == 202, response.text
    assert response.json() == {"detail": RESET_REQUESTED}


async def mailed_secret(address: str) -> str:
    """Ask for a reset of `address`, have its mail sent, and take the secret of its link."""
    rt = current_rt()
    before = len(received(rt, address))
    async with serve(rt) as api:
        await ask(api, address)
    event = (await account_events(rt, types.PASSWORD_RESET_REQUESTED, address))[-1]
    await send_mail_for(rt, event)
    mail = received(rt, address)[before:]
    assert len(mail) == 1, mail
    page, secret = mail[0].link
    assert page == "reset-password"
    return secret


async def complete(api: AsyncClient, secret: str, password: str = NEW_PASSWORD) -> Any:
    return await api.post(COMPLETE, json={"token": secret, "password": password})


def assert_invalid_link(response: Any) -> None:
    body = assert_problem(response, 400)
    assert body["type"] == "invalid_link"
    assert body["detail"] == InvalidLink.DETAIL


async def test_the_answer_is_the_same_for_an_address_with_or_without_an_account(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    nobody = f"nobody-{secrets.token_hex(4)}@example.com"
    known = await any_api.post(RESET, json={"email": ada.email.upper()})
    unknown = await any_api.post(RESET, json={"email": nobody})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json() == {"detail": RESET_REQUESTED}
    assert known.headers["content-type"] == unknown.headers["content-type"]

    rt = current_rt()
    # Both are an event (the address normalised); only the account's is a mail.
    [for_ada] = await account_events(rt, types.PASSWORD_RESET_REQUESTED, ada.email)
    [for_nobody] = await account_events(rt, types.PASSWORD_RESET_REQUESTED, nobody)
    await send_mail_for(rt, for_ada)
    await send_mail_for(rt, for_nobody)
    assert received(rt, nobody) == []
    [mail] = received(rt, ada.email)
    assert mail.subject == "Reset your TaskFlow password"
    assert mail.link[0] == "reset-password"
    async with rt.engine.connect() as conn:
        made = await conn.scalar(
            select(func.count()).select_from(account_tokens).where(account_tokens.c.email == nobody)
        )
    assert made == 0


async def test_asking_takes_comparable_time_with_or_without_an_account(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    nobody = f"nobody-{secrets.token_hex(4)}@example.com"

    async def timed(address: str) -> float:
        start = time.perf_counter()
        response = await any_api.post(RESET, json={"email": address})
        elapsed = time.perf_counter() - start
        assert response.status_code == 202, response.text
        return elapsed

    known: list[float] = []
    unknown: list[float] = []
    for _ in range(15):  # interleaved, so a slow moment slows both alike
        known.append(await timed(ada.email))
        unknown.append(await timed(nobody))
    a, b = statistics.median(known), statistics.median(unknown)
    # Nothing differs in the work done; the slack is for a busy machine, not for a lookup.
    assert max(a, b) <= 2.5 * min(a, b) + 0.005, (known, unknown)


async def test_asking_is_limited_per_client_address_and_per_email(
    backend: str, pg_runtime: Runtime, embedded_runtime: Runtime
) -> None:
    base = pg_runtime if backend == "postgres" else embedded_runtime
    rt = Runtime(
        base.settings.model_copy(
            update={
                "redis_prefix": f"{base.settings.redis_prefix}reset-{secrets.token_hex(4)}:",
                "password_reset_limit_per_address": 4,
                "password_reset_limit_per_email": 2,
            }
        )
    )
    try:
        target = f"target-{secrets.token_hex(4)}@example.com"
        async with serve(rt, client_address="192.0.2.10") as api:
            for _ in range(2):
                assert (await api.post(RESET, json={"email": target})).status_code == 202
            refused = await api.post(RESET, json={"email": target.upper()})
            assert_problem(refused, 429)
            assert int(refused.headers["retry-after"]) >= 1
        # Another client asking for the same address is refused too: the address's budget.
        async with serve(rt, client_address="192.0.2.11") as api:
            assert_problem(await api.post(RESET, json={"email": target}), 429)
            for n in range(3):
                other = f"other-{n}-{secrets.token_hex(4)}@example.com"
                assert (await api.post(RESET, json={"email": other})).status_code == 202
            # The fourth attempt from this client was the refused one above.
            assert_problem(await api.post(RESET, json={"email": "late@example.com"}), 429)
    finally:
        await rt.close()
    # Refused attempts recorded nothing.
    assert len(await account_events(base, types.PASSWORD_RESET_REQUESTED, target)) == 2


async def test_a_reset_link_works_once_and_ends_every_session(any_api: AsyncClient) -> None:
    ada = await signup(any_api, "ada")
    other_session = (
        await any_api.post("/api/auth/login", json={"email": ada.email, "password": PASSWORD})
    ).json()
    any_api.cookies.clear()
    secret = await mailed_secret(ada.email)

    done = await complete(any_api, secret)
    assert done.status_code == 204, done.text
    assert done.content == b""

    # Every session ended: their refresh tokens and their access tokens are refused.
    for access, refresh in (
        (ada.access_token, ada.refresh_token),
        (other_session["access_token"], other_session["refresh_token"]),
    ):
        me = await any_api.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"})
        assert_problem(me, 401)
        assert_problem(
            await any_api.post("/api/auth/refresh", json={"refresh_token": refresh}), 401
        )
    old = await any_api.post("/api/auth/login", json={"email": ada.email, "password": PASSWORD})
    assert_problem(old, 401)
    new = await any_api.post("/api/auth/login", json={"email": ada.email, "password": NEW_PASSWORD})
    assert new.status_code == 200, new.text
    # The link went to the address: it is verified now.
    me = await any_api.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {new.json()['access_token']}"}
    )
    assert me.json()["email_verified"] is True

    # Once only, whatever the password.
    assert_invalid_link(await complete(any_api, secret, "yet another password"))
    again = await any_api.post(
        "/api/auth/login", json={"email": ada.email, "password": "yet another password"}
    )
    assert_problem(again, 401)


async def test_a_wrong_an_expired_or_a_superseded_link_is_refused(any_api: AsyncClient) -> None:
    ada = await signup(any_api, "ada")
    assert_invalid_link(await complete(any_api, secrets.token_urlsafe(32)))

    expired = await mailed_secret(ada.email)
    async with current_rt().engine.begin() as conn:
        await conn.execute(
            update(account_tokens)
            .where(account_tokens.c.token_hash == secret_hash(expired))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_invalid_link(await complete(any_api, expired))

    # Two links asked for: using one uses up the other.
    first, second = await mailed_secret(ada.email), await mailed_secret(ada.email)
    assert first != second
    assert (await complete(any_api, second)).status_code == 204
    assert_invalid_link(await complete(any_api, first))
    # A refused link changed nothing.
    login = await any_api.post(
        "/api/auth/login", json={"email": ada.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200, login.text


async def test_a_link_to_an_address_the_account_no_longer_has_is_refused(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    secret = await mailed_secret(ada.email)
    moved = await any_api.patch(
        "/api/auth/me",
        json={"email": f"moved-{secrets.token_hex(4)}@example.com"},
        headers=ada.headers,
    )
    assert moved.status_code == 200, moved.text
    assert_invalid_link(await complete(any_api, secret))
    # The password and the session are as they were.
    assert (await any_api.get("/api/auth/me", headers=ada.headers)).status_code == 200


async def test_the_new_password_must_be_long_enough_and_the_body_exact(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    secret = await mailed_secret(ada.email)
    for body in (
        {"token": secret, "password": "short"},
        {"token": secret},
        {"token": secret, "password": NEW_PASSWORD, "email": ada.email},
        {"token": "", "password": NEW_PASSWORD},
    ):
        assert_problem(await any_api.post(COMPLETE, json=body), 422)
    assert_problem(await any_api.post(RESET, json={}), 422)
    # None of them used the link up.
    assert (await complete(any_api, secret)).status_code == 204


async def test_a_mail_refused_for_good_is_logged_and_not_retried(
    pg_runtime: Runtime,
) -> None:
    async with serve(pg_runtime) as api:
        ada: User = await signup(api, "ada")
        await ask(api, ada.email)
    [event] = await account_events(pg_runtime, types.PASSWORD_RESET_REQUESTED, ada.email)
    # moto refuses mail to an address it knows nothing about from an unverified sender.
    rt = Runtime(pg_runtime.settings.model_copy(update={"mail_sender": "nobody@unverified.test"}))
    try:
        with logged("taskflow.account_mail") as lines:
            await send_mail_for(rt, event)  # 202: settled, never delivered again
    finally:
        await rt.close()
    assert received(pg_runtime, ada.email) == []
    assert any("refused for good" in line for line in lines), lines


@pytest.fixture
async def dev_mail_runtime(pg_runtime: Runtime, tmp_path: Any) -> AsyncIterator[Runtime]:
    """The servers, with TASKFLOW_MAIL_DIR set: mail is written there instead of sent."""
    rt = Runtime(pg_runtime.settings.model_copy(update={"mail_dir": tmp_path / "mail"}))
    yield rt
    await rt.close()


async def test_with_a_mail_dir_the_mail_is_a_file_and_its_link_is_logged(
    dev_mail_runtime: Runtime,
) -> None:
    rt = dev_mail_runtime
    async with serve(rt) as api:
        ada = await signup(api, "ada")
        await ask(api, ada.email)
        [event] = await account_events(rt, types.PASSWORD_RESET_REQUESTED, ada.email)
        with logged("taskflow.mail") as lines:
            await send_mail_for(rt, event)
        [mail] = received(rt, ada.email)
        _, secret = mail.link
        link = f"{rt.settings.public_url}/reset-password#token={secret}"
        [line] = [line for line in lines if ada.email in line]
        [path] = mail_dir(rt).glob("*.eml")
        assert str(path) in line
        assert link in line
        assert "Reset your TaskFlow password" in line
        assert mail.to == f"Ada <{ada.email}>"
        assert "within 1 hour" in mail.body
        assert (await complete(api, secret)).status_code == 204
