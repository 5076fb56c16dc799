"""E-mail address verification by a mailed single-use link, on both databases: new and changed
addresses receive no notification e-mails until the link is followed."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from events import types
from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.errors import InvalidLink
from functions.core.models.account_mail import VERIFICATION_SENT
from functions.core.runtime import Runtime
from functions.core.security.digests import secret_hash
from functions.core.services import mail
from functions.core.tables import account_tokens
from tests.integration.helpers_account_mail import (
    account_events,
    mail_dir,
    read_eml,
    received,
    send_mail_for,
    ses,  # noqa: F401 (a fixture)
)
from tests.integration.helpers_email import (
    Outbox,
    choose_email,
    flush,
    groups_of,
    later,
    settle_pending,
)
from tests.integration.helpers_notifications import assigned_event, deliver, sinks
from tests.support import User, assert_problem, create_project, serve, share_project, signup

VERIFY = "/api/auth/verify-email"
RESEND = "/api/auth/verify-email/resend"

pytestmark = pytest.mark.usefixtures("ses")


def current_rt() -> Runtime:
    return runtime.current()


async def verification_secret(address: str) -> str:
    """Mail the newest verification link asked for `address`, and take its secret."""
    rt = current_rt()
    before = len(received(rt, address))
    event = (await account_events(rt, types.EMAIL_VERIFICATION_REQUESTED, address))[-1]
    await send_mail_for(rt, event)
    mail = received(rt, address)[before:]
    assert len(mail) == 1, mail
    assert mail[0].subject == "Verify your e-mail address for TaskFlow"
    page, secret = mail[0].link
    assert page == "verify-email"
    return secret


async def me(api: AsyncClient, user: User) -> dict[str, Any]:
    response = await api.get("/api/auth/me", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_invalid_link(response: Any) -> None:
    body = assert_problem(response, 400)
    assert body["type"] == "invalid_link"
    assert body["detail"] == InvalidLink.DETAIL


async def test_a_new_address_gets_notification_mail_only_once_verified(
    any_api: AsyncClient,
) -> None:
    rt = current_rt()
    await settle_pending(rt)
    ada, bob = await signup(any_api, "ada"), await signup(any_api, "bob")
    project = await create_project(any_api, ada)
    await share_project(any_api, ada, project["id"], bob)
    chosen = await any_api.put(
        "/api/notifications/preferences", json={"email_enabled": True}, headers=bob.headers
    )
    assert chosen.status_code == 200, chosen.text
    assert (await me(any_api, bob))["email_verified"] is False

    # Unverified: a notice for Bob queues no e-mail.
    async with sinks(rt) as broker:
        sent = await deliver(broker, "/events/send-email", assigned_event(project["id"], ada, bob))
        assert sent.status_code == 202, sent.text
    assert await groups_of(rt, bob) == []

    secret = await verification_secret(bob.email)
    verified = await any_api.post(VERIFY, json={"token": secret})  # no sign-in needed
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"email": bob.email, "email_verified": True}
    assert (await me(any_api, bob))["email_verified"] is True

    # Verified: the next notice is mailed.
    async with sinks(rt) as broker:
        event = assigned_event(project["id"], ada, bob, title="Second task")
        assert (await deliver(broker, "/events/send-email", event)).status_code == 202
    assert len(await groups_of(rt, bob)) == 1
    outbox = Outbox()
    assert (await flush(rt, outbox)).sent == 1
    [mail] = outbox.to(bob)
    assert "Second task" in mail.subject

    # The link works once.
    assert_invalid_link(await any_api.post(VERIFY, json={"token": secret}))


async def test_a_wrong_or_expired_verification_link_is_refused(any_api: AsyncClient) -> None:
    ada = await signup(any_api, "ada")
    assert_invalid_link(await any_api.post(VERIFY, json={"token": secrets.token_urlsafe(32)}))
    secret = await verification_secret(ada.email)
    async with current_rt().engine.begin() as conn:
        await conn.execute(
            update(account_tokens)
            .where(account_tokens.c.token_hash == secret_hash(secret))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_invalid_link(await any_api.post(VERIFY, json={"token": secret}))
    assert (await me(any_api, ada))["email_verified"] is False
    # A reset link is not a verification link, nor the other way round.
    assert_problem(
        await any_api.post(
            "/api/auth/password-reset/complete",
            json={"token": secret, "password": "long enough password"},
        ),
        400,
    )
    assert_problem(await any_api.post(VERIFY, json={}), 422)


async def test_a_changed_address_is_unverified_and_the_old_link_no_longer_verifies(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    first = await verification_secret(ada.email)
    unused = await verification_secret(ada.email)  # a second link to the first address
    assert (await any_api.post(VERIFY, json={"token": first})).status_code == 200
    assert (await me(any_api, ada))["email_verified"] is True

    # Keeping the same address (in another case) changes nothing.
    same = await any_api.patch(
        "/api/auth/me", json={"email": ada.email.upper()}, headers=ada.headers
    )
    assert same.json()["email_verified"] is True

    new_address = f"ada-new-{secrets.token_hex(4)}@example.com"
    changed = await any_api.patch("/api/auth/me", json={"email": new_address}, headers=ada.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["email_verified"] is False
    # The first address's link proves nothing about the new one.
    assert_invalid_link(await any_api.post(VERIFY, json={"token": unused}))
    assert (await me(any_api, ada))["email_verified"] is False

    # A link was mailed to the new address.
    secret = await verification_secret(new_address)
    verified = await any_api.post(VERIFY, json={"token": secret})
    assert verified.json() == {"email": new_address, "email_verified": True}


async def test_a_verification_for_an_address_changed_or_verified_since_mails_nothing(
    any_api: AsyncClient,
) -> None:
    rt = current_rt()
    ada = await signup(any_api, "ada")
    [old_event] = await account_events(rt, types.EMAIL_VERIFICATION_REQUESTED, ada.email)
    new_address = f"ada-new-{secrets.token_hex(4)}@example.com"
    changed = await any_api.patch("/api/auth/me", json={"email": new_address}, headers=ada.headers)
    assert changed.status_code == 200, changed.text
    await send_mail_for(rt, old_event)
    assert received(rt, ada.email) == []

    secret = await verification_secret(new_address)
    assert (await any_api.post(VERIFY, json={"token": secret})).status_code == 200
    [new_event] = await account_events(rt, types.EMAIL_VERIFICATION_REQUESTED, new_address)
    await send_mail_for(rt, new_event)  # delivered again, after the verification
    assert len(received(rt, new_address)) == 1


async def test_resending_mails_another_link_until_the_address_is_verified(
    any_api: AsyncClient,
) -> None:
    rt = current_rt()
    ada = await signup(any_api, "ada")
    assert_problem(await any_api.post(RESEND), 401)
    resent = await any_api.post(RESEND, headers=ada.headers)
    assert resent.status_code == 202, resent.text
    assert resent.json() == {"detail": VERIFICATION_SENT}
    assert len(await account_events(rt, types.EMAIL_VERIFICATION_REQUESTED, ada.email)) == 2

    secret = await verification_secret(ada.email)
    assert (await any_api.post(VERIFY, json={"token": secret})).status_code == 200
    assert_problem(await any_api.post(RESEND, headers=ada.headers), 409)


async def test_a_group_queued_before_the_address_changed_is_not_sent_to_the_new_one(
    any_api: AsyncClient,
) -> None:
    rt = current_rt()
    await settle_pending(rt)
    ada, bob = await signup(any_api, "ada"), await signup(any_api, "bob")
    project = await create_project(any_api, ada)
    await share_project(any_api, ada, project["id"], bob)
    await any_api.put(
        "/api/notifications/preferences", json={"email_enabled": True}, headers=bob.headers
    )
    secret = await verification_secret(bob.email)
    assert (await any_api.post(VERIFY, json={"token": secret})).status_code == 200
    async with sinks(rt) as broker:
        event = assigned_event(project["id"], ada, bob)
        assert (await deliver(broker, "/events/send-email", event)).status_code == 202
    assert len(await groups_of(rt, bob)) == 1

    moved = await any_api.patch(
        "/api/auth/me",
        json={"email": f"bob-new-{secrets.token_hex(4)}@example.com"},
        headers=bob.headers,
    )
    assert moved.status_code == 200, moved.text
    outbox = Outbox()
    report = await flush(rt, outbox)
    assert (report.sent, report.skipped) == (0, 1)
    assert outbox.sent == []


async def test_in_the_embedded_mode_notification_emails_are_files_too(
    embedded_runtime: Runtime,
) -> None:
    rt = embedded_runtime
    await settle_pending(rt)
    async with serve(rt) as api:
        ada, bob = await signup(api, "ada"), await signup(api, "bob")
        project = await create_project(api, ada)
        await share_project(api, ada, project["id"], bob)
        await choose_email(api, bob)
        async with sinks(rt) as broker:
            event = assigned_event(project["id"], ada, bob, title="Water the plants")
            assert (await deliver(broker, "/events/send-email", event)).status_code == 202
        report = await mail.flush_emails(rt, now=later())  # no mailer given: the settings'
    assert report.sent == 1
    [message] = [
        read_eml(path)
        for path in mail_dir(rt).glob("*.eml")
        if f"<{bob.email}>" in str(read_eml(path)["To"])
    ]
    assert message["Subject"] == "TaskFlow: Ada assigned you “Water the plants”"
    assert message["From"] == rt.settings.mail_sender
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    assert "Water the plants" in html_part.get_content()
