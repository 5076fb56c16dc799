"""The webhook and e-mail senders through functions-framework, as the broker reaches them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import boto3
import pytest
from httpx import ASGITransport, AsyncClient
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from events import types
from events.codec import binary_http, new_event
from events.models import CreateTask
from functions.core import runtime
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from tests.functions.conftest import load_function
from tests.functions.test_import_discipline import _probe
from tests.integration.helpers_email import mark_verified, settle_pending
from tests.integration.helpers_notifications import (
    Receiver,
    assigned_event,
    deliver,
    running_receiver,
    settings_like,
)
from tests.support import User, assert_problem, create_project, serve, share_project, signup

Mode = Literal["binary", "structured"]
SENDERS = [("send_webhooks", "/events/send-webhooks"), ("send_email", "/events/send-email")]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(scope="module")
async def dev_runtime(pg_settings: Settings) -> AsyncIterator[Runtime]:
    """The dev mode (webhooks may call loopback) on the test servers."""
    rt = Runtime(settings_like(pg_settings, env="dev"))
    yield rt
    await rt.close()


@pytest.fixture(scope="module")
async def prompt_runtime(pg_settings: Settings) -> AsyncIterator[Runtime]:
    """E-mails grouped over no window: each flush sends what was queued before it."""
    rt = Runtime(settings_like(pg_settings, email_group_seconds=0))
    yield rt
    await rt.close()


@pytest.fixture
def prompt_function_runtime(prompt_runtime: Runtime) -> Iterator[Runtime]:
    previous = runtime.install(prompt_runtime)
    yield prompt_runtime
    runtime.install(previous)


@pytest.fixture
def dev_function_runtime(dev_runtime: Runtime) -> Iterator[Runtime]:
    previous = runtime.install(dev_runtime)
    yield dev_runtime
    runtime.install(previous)


async def scene(rt: Runtime) -> tuple[User, User, str]:
    """Ada owns a project Bob edits in (set up in process: only the senders are under test)."""
    async with serve(rt) as api:
        ada, bob = await signup(api, "ada"), await signup(api, "bob")
        project = await create_project(api, ada)
        await share_project(api, ada, project["id"], bob)
        return ada, bob, project["id"]


def function_client(target: str) -> AsyncClient:
    """What `functions-framework --asgi --target TARGET --source functions/main.py` serves."""
    transport = ASGITransport(app=load_function(target))
    return AsyncClient(transport=transport, base_url="http://function.test")


@pytest.mark.parametrize("mode", ["binary", "structured"])
@pytest.mark.usefixtures("framework_state")
async def test_send_webhooks_takes_binary_and_structured_cloudevents(
    mode: Mode, receiver: Receiver, dev_function_runtime: Runtime
) -> None:
    ada, bob, project_id = await scene(dev_function_runtime)
    async with serve(dev_function_runtime) as api:
        url = receiver.hook()
        added = await api.post(
            "/api/notifications/webhooks", json={"url": url}, headers=bob.headers
        )
        assert added.status_code == 201, added.text
    event = assigned_event(project_id, actor=ada, assignee=bob)

    async with function_client("send_webhooks") as function:
        response = await deliver(function, "/events/send-webhooks", event, mode)

    assert response.status_code == 202, response.text
    [received] = receiver.at(url)
    assert f'"event_id":"{event["id"]}"'.encode() in received.body


@pytest.mark.parametrize("mode", ["binary", "structured"])
@pytest.mark.usefixtures("framework_state")
async def test_send_email_takes_binary_and_structured_cloudevents_and_the_flush_mails_them(
    mode: Mode, prompt_function_runtime: Runtime
) -> None:
    rt = prompt_function_runtime
    await settle_pending(rt)
    ada, bob, project_id = await scene(rt)
    async with serve(rt) as api:
        await mark_verified(bob)
        chosen = await api.put(
            "/api/notifications/preferences", json={"email_enabled": True}, headers=bob.headers
        )
        assert chosen.status_code == 200, chosen.text
    event = assigned_event(project_id, actor=ada, assignee=bob)
    region = rt.settings.aws_region

    with mock_aws():
        boto3.client("sesv2", region_name=region).create_email_identity(
            EmailIdentity="notifications@taskflow.example"
        )
        async with function_client("send_email") as function:
            response = await deliver(function, "/events/send-email", event, mode)
        assert response.status_code == 202, response.text
        sent: list[Any] = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
        assert sent == []  # queued: the flush sends
        async with function_client("flush_emails") as function:
            flushed = await function.post("/schedule/flush-emails")

    assert flushed.status_code == 200, flushed.text
    assert flushed.json() == {"sent": 1, "skipped": 0, "failed": 0}
    assert [m.destinations["ToAddresses"] for m in sent] == [[f"Bob <{bob.email}>"]]


@pytest.mark.parametrize(("target", "path"), SENDERS)
@pytest.mark.usefixtures("framework_state", "pg_function_runtime")
async def test_a_sender_refuses_what_is_not_a_notifying_event(target: str, path: str) -> None:
    command = new_event(
        types.TASK_CREATE,
        CreateTask(project_id=uuid.uuid4(), title="From elsewhere"),
        source="/elsewhere",
        subject="x",
    )
    headers, body = binary_http(command)
    async with function_client(target) as function:
        wrong_type = await function.post(path, headers=headers, content=body)
        not_an_event = await function.post(path, json={"hello": "world"})
        not_a_post = await function.get(path)
    assert_problem(wrong_type, 400)
    assert_problem(not_an_event, 400)
    assert_problem(not_a_post, 405)


def test_only_the_email_sender_may_load_boto3_and_settings_load_no_http_client() -> None:
    assert "boto3" not in _probe("send_webhooks")["modules"]
    settings_function = _probe("get_preferences")["modules"]
    assert "boto3" not in settings_function
    assert "httpx" not in settings_function
