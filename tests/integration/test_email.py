"""E-mail notices through SES (moto's stand-in, or a botocore Stubber for its failures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from httpx import AsyncClient
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from functions.core.errors import DeliveryFailed
from functions.core.runtime import Runtime
from functions.core.services import mail
from functions.core.services.recipients import notices_for
from tests.integration.helpers_notifications import (
    assigned_event,
    created_event,
    deliver,
    sinks,
)
from tests.support import User, create_project, serve, share_project, signup

SEND = "/events/send-email"
SENDER = "notifications@taskflow.example"


@pytest.fixture
def ses(pg_runtime: Runtime) -> Iterator[Any]:
    """moto's SES, with TaskFlow's sender verified; yields the backend that keeps sent mail."""
    region = pg_runtime.settings.aws_region
    with mock_aws():
        boto3.client("sesv2", region_name=region).create_email_identity(EmailIdentity=SENDER)
        yield ses_backends[DEFAULT_ACCOUNT_ID][region]


@pytest.fixture
async def broker(pg_runtime: Runtime) -> AsyncIterator[AsyncClient]:
    """What the dispatcher posts events with, to the sinks."""
    async with sinks(pg_runtime) as client:
        yield client


async def choose_email(api: AsyncClient, user: User, muted: tuple[str, ...] = ()) -> None:
    response = await api.put(
        "/api/notifications/preferences",
        json={"email_enabled": True, "email_kinds": dict.fromkeys(muted, False)},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text


async def test_a_person_who_chose_email_is_mailed_once_about_the_task_and_who_acted(
    backend: str, pg_runtime: Runtime, embedded_runtime: Runtime, ses: Any
) -> None:
    rt = pg_runtime if backend == "postgres" else embedded_runtime
    async with serve(rt) as api, sinks(rt) as broker:
        ada, bob = await signup(api, "ada"), await signup(api, "bob")
        project = await create_project(api, ada)
        await share_project(api, ada, project["id"], bob)
        await choose_email(api, bob)
        event = assigned_event(project["id"], actor=ada, assignee=bob)

        first = await deliver(broker, SEND, event)
        assert first.status_code == 202, first.text
        again = await deliver(broker, SEND, event, mode="structured")
        assert again.status_code == 202, again.text

    [message] = ses.sent_messages  # the redelivery sent nothing
    settings = rt.settings
    task_id = event.get_data()["task"]["id"]  # type: ignore[index]
    assert message.source == settings.mail_sender
    assert message.destinations == {"ToAddresses": [f"Bob <{bob.email}>"]}
    assert message.subject == "TaskFlow: Ada assigned you “Write the launch plan”"
    assert "Ada assigned you “Write the launch plan”" in message.body
    assert f"{settings.public_url}/tasks/{task_id}" in message.body


async def test_only_those_who_chose_email_for_the_kind_are_mailed(
    api: AsyncClient, broker: AsyncClient, ses: Any
) -> None:
    ada = await signup(api, "ada")
    project = await create_project(api, ada)
    wants, muted, silent = [await signup(api, n) for n in ("wants", "muted", "silent")]
    for member in (wants, muted, silent):
        await share_project(api, ada, project["id"], member)
    await choose_email(api, wants)
    await choose_email(api, muted, muted=("task.created",))
    await choose_email(api, ada)  # the actor is never told of her own change

    response = await deliver(broker, SEND, created_event(project["id"], actor=ada))

    assert response.status_code == 202, response.text
    mailed = [address for m in ses.sent_messages for address in m.destinations["ToAddresses"]]
    assert mailed == [f"Wants <{wants.email}>"]


async def test_ses_throttling_fails_the_delivery_for_a_retry_that_mails_only_once(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    ada, bob = await signup(api, "ada"), await signup(api, "bob")
    project = await create_project(api, ada)
    await share_project(api, ada, project["id"], bob)
    await choose_email(api, bob)
    event = assigned_event(project["id"], actor=ada, assignee=bob)
    rt = pg_runtime
    client = _offline_ses_client(rt)

    with Stubber(client) as ses:
        ses.add_client_error("send_email", "TooManyRequestsException", http_status_code=429)
        with pytest.raises(DeliveryFailed):
            await mail.send_email(rt, event, mail.SesMailer(rt.settings, client))
        ses.add_response("send_email", {"MessageId": "sent-on-retry"})
        await mail.send_email(rt, event, mail.SesMailer(rt.settings, client))
        # Redelivered once more: nothing is sent (the stubber would refuse an unplanned call).
        await mail.send_email(rt, event, mail.SesMailer(rt.settings, client))
        ses.assert_no_pending_responses()


async def test_an_address_ses_rejects_is_skipped_not_retried(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    ada, bob = await signup(api, "ada"), await signup(api, "bob")
    project = await create_project(api, ada)
    await share_project(api, ada, project["id"], bob)
    await choose_email(api, bob)
    event = assigned_event(project["id"], actor=ada, assignee=bob)
    rt = pg_runtime
    client = _offline_ses_client(rt)

    with Stubber(client) as ses:
        ses.add_client_error("send_email", "MessageRejected", http_status_code=400)
        await mail.send_email(rt, event, mail.SesMailer(rt.settings, client))
        ses.assert_no_pending_responses()
    async with rt.engine.connect() as conn:
        [notice] = await notices_for(conn, event)
    assert await rt.redis.exists(mail.delivery_key(rt.settings, notice, bob.id)) == 0


def _offline_ses_client(rt: Runtime) -> Any:
    """A real SESv2 client for a Stubber to answer: explicit keys, so nothing looks for any."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client("sesv2", region_name=rt.settings.aws_region)
