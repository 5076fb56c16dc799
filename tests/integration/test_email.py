"""E-mail notices through SES (moto's stand-in, or a botocore Stubber for its failures): queued
by send_email, sent by the flush once the grouping window has passed."""

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

from functions.core.runtime import Runtime
from functions.core.services import mail
from tests.integration.helpers_email import choose_email, flush, groups_of, settle_pending
from tests.integration.helpers_notifications import (
    assigned_event,
    created_event,
    deliver,
    sinks,
)
from tests.support import create_project, serve, share_project, signup

SEND = "/events/send-email"
SENDER = "notifications@taskflow.example"


@pytest.fixture(autouse=True)
async def no_pending_groups(pg_runtime: Runtime, embedded_runtime: Runtime) -> None:
    """Each flush here sends only this test's groups."""
    await settle_pending(pg_runtime)
    await settle_pending(embedded_runtime)


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
        assert ses.sent_messages == []  # queued until the grouping window has passed
        await flush(rt, mail.SesMailer(rt.settings))

    [message] = ses.sent_messages  # the redelivery added nothing
    settings = rt.settings
    task_id = event.get_data()["task"]["id"]  # type: ignore[index]
    assert message.source == settings.mail_sender
    assert message.destinations == {"ToAddresses": [f"Bob <{bob.email}>"]}
    assert message.subject == "TaskFlow: Ada assigned you “Write the launch plan”"
    # moto keeps the HTML part of a mail that has both.
    assert "Ada assigned you “Write the launch plan”" in message.body
    assert f"{settings.public_url}/tasks/{task_id}" in message.body
    assert "(times in UTC)" in message.body


async def test_only_those_who_chose_email_for_the_kind_are_mailed(
    api: AsyncClient, broker: AsyncClient, pg_runtime: Runtime, ses: Any
) -> None:
    ada = await signup(api, "ada")
    project = await create_project(api, ada)
    wants, muted, silent = [await signup(api, n) for n in ("wants", "muted", "silent")]
    for member in (wants, muted, silent):
        await share_project(api, ada, project["id"], member)
    await choose_email(api, wants)
    await choose_email(api, muted, muted=("task.created",))
    await choose_email(api, ada)  # the actor is never told of her own change

    for member in (wants, muted, silent):  # those who asked to hear of every new task
        subscribed = await api.put(
            f"/api/projects/{project['id']}/subscription",
            json={"new_tasks": True},
            headers=member.headers,
        )
        assert subscribed.status_code == 200, subscribed.text

    response = await deliver(broker, SEND, created_event(project["id"], actor=ada))
    assert response.status_code == 202, response.text
    await flush(pg_runtime, mail.SesMailer(pg_runtime.settings))

    mailed = [address for m in ses.sent_messages for address in m.destinations["ToAddresses"]]
    assert mailed == [f"Wants <{wants.email}>"]


async def test_ses_throttling_leaves_the_group_for_a_later_flush_that_mails_only_once(
    api: AsyncClient, broker: AsyncClient, pg_runtime: Runtime
) -> None:
    ada, bob = await signup(api, "ada"), await signup(api, "bob")
    project = await create_project(api, ada)
    await share_project(api, ada, project["id"], bob)
    await choose_email(api, bob)
    event = assigned_event(project["id"], actor=ada, assignee=bob)
    rt = pg_runtime
    client = _offline_ses_client(rt)

    await deliver(broker, SEND, event)
    sender = mail.SesMailer(rt.settings, client)

    with Stubber(client) as ses:
        ses.add_client_error("send_email", "TooManyRequestsException", http_status_code=429)
        assert (await flush(rt, sender)).failed == 1
        ses.add_response("send_email", {"MessageId": "sent-on-retry"})
        assert (await flush(rt, sender, seconds=mail.RETRY_BASE_SECONDS)).sent == 1
        # Redelivered and flushed once more: nothing is sent (the stubber would refuse an
        # unplanned call).
        await deliver(broker, SEND, event)
        assert (await flush(rt, sender, seconds=3600)).sent == 0
        ses.assert_no_pending_responses()


async def test_an_address_ses_rejects_is_skipped_not_retried(
    api: AsyncClient, broker: AsyncClient, pg_runtime: Runtime
) -> None:
    ada, bob = await signup(api, "ada"), await signup(api, "bob")
    project = await create_project(api, ada)
    await share_project(api, ada, project["id"], bob)
    await choose_email(api, bob)
    event = assigned_event(project["id"], actor=ada, assignee=bob)
    rt = pg_runtime
    client = _offline_ses_client(rt)

    await deliver(broker, SEND, event)
    sender = mail.SesMailer(rt.settings, client)

    with Stubber(client) as ses:
        ses.add_client_error("send_email", "MessageRejected", http_status_code=400)
        assert (await flush(rt, sender)).sent == 0
        assert (await flush(rt, sender, seconds=3600)).sent == 0  # not tried again
        ses.assert_no_pending_responses()
    [group] = await groups_of(rt, bob)
    assert group["outcome"] == mail.REJECTED


def _offline_ses_client(rt: Runtime) -> Any:
    """A real SESv2 client for a Stubber to answer: explicit keys, so nothing looks for any."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client("sesv2", region_name=rt.settings.aws_region)
