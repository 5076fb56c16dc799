"""Webhook deliveries to a real HTTP receiver on loopback (the dev mode may call it)."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from events import types
from functions.core.runtime import Runtime
from functions.core.services.safe_http import Target, post_pinned
from functions.core.settings import Settings
from tests.integration.helpers_notifications import (
    Answer,
    Receiver,
    assigned_event,
    deliver,
    running_receiver,
    settings_like,
    sinks,
)
from tests.support import User, assert_problem, create_project, serve, share_project, signup

SEND = "/events/send-webhooks"
TIMEOUT = 0.5


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(scope="module")
async def dev_runtime(pg_settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(settings_like(pg_settings, env="dev", webhook_timeout_seconds=TIMEOUT))
    yield rt
    await rt.close()


@pytest.fixture
async def api(dev_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in the dev mode."""
    async with serve(dev_runtime) as client:
        yield client


@pytest.fixture
async def broker(dev_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """What the dispatcher posts events with, to the sinks in the dev mode."""
    async with sinks(dev_runtime) as client:
        yield client


async def scene(api: httpx.AsyncClient) -> tuple[User, User, str]:
    """Ada owns a project Bob edits in."""
    ada, bob = await signup(api, "ada"), await signup(api, "bob")
    project = await create_project(api, ada)
    await share_project(api, ada, project["id"], bob)
    return ada, bob, project["id"]


async def add_webhook(api: httpx.AsyncClient, user: User, url: str) -> dict[str, Any]:
    response = await api.post(
        "/api/notifications/webhooks", json={"url": url}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    webhook: dict[str, Any] = response.json()
    return webhook


def verified(secret: str, received: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


async def test_a_notice_arrives_signed_with_the_webhooks_secret(
    api: httpx.AsyncClient, receiver: Receiver, broker: httpx.AsyncClient, dev_runtime: Runtime
) -> None:
    ada, bob, project_id = await scene(api)
    bobs = await add_webhook(api, bob, receiver.hook())
    adas = await add_webhook(api, ada, receiver.hook())
    event = assigned_event(project_id, actor=ada, assignee=bob)

    response = await deliver(broker, SEND, event)
    assert response.status_code == 202, response.text

    [received] = receiver.at(bobs["url"])
    payload = verified(bobs["secret"], received)
    task_id = event.get_data()["task"]["id"]  # type: ignore[index]
    assert payload["type"] == types.TASK_ASSIGNED
    assert payload["data"]["message"] == "Ada assigned you “Write the launch plan”"
    assert payload["data"]["task_id"] == task_id
    assert payload["data"]["project_id"] == project_id
    assert payload["data"]["actor_id"] == str(ada.id)
    assert payload["data"]["event_id"] == event["id"]
    public_url = dev_runtime.settings.public_url
    assert payload["data"]["link"] == f"{public_url}/tasks/{task_id}"
    assert received.headers["webhook-id"].startswith("msg_")
    # The signature covers the body and is the secret's alone.
    tampered = type(received)(
        received.path, received.headers, received.body.replace(b"Ada", b"Eve")
    )
    with pytest.raises(WebhookVerificationError):
        verified(bobs["secret"], tampered)
    with pytest.raises(WebhookVerificationError):
        verified(adas["secret"], received)
    # Ada made the change: she is not told about it.
    assert receiver.at(adas["url"]) == []


async def test_a_failing_receiver_gets_each_retry_until_it_answers_and_then_nothing_more(
    api: httpx.AsyncClient, receiver: Receiver, broker: httpx.AsyncClient
) -> None:
    ada, bob, project_id = await scene(api)
    flaky = await add_webhook(api, bob, receiver.hook(Answer(500), Answer(503)))
    steady = await add_webhook(api, bob, receiver.hook())
    event = assigned_event(project_id, actor=ada, assignee=bob)

    statuses = [(await deliver(broker, SEND, event)).status_code for _ in range(4)]

    # Two failures answer 5xx (the dispatcher retries); the third attempt gets through.
    assert statuses == [503, 503, 202, 202]
    attempts = receiver.at(flaky["url"])
    assert len(attempts) == 3
    assert len({a.headers["webhook-id"] for a in attempts}) == 1  # one message, retried
    assert verified(flaky["secret"], attempts[-1])["data"]["event_id"] == event["id"]
    # The webhook that took it at once never hears of it again.
    assert len(receiver.at(steady["url"])) == 1


async def test_a_redelivery_overlapping_an_attempt_under_way_sends_nothing_twice(
    api: httpx.AsyncClient, receiver: Receiver, broker: httpx.AsyncClient
) -> None:
    ada, bob, project_id = await scene(api)
    unhurried = await add_webhook(api, bob, receiver.hook(Answer(delay=TIMEOUT / 2)))
    event = assigned_event(project_id, actor=ada, assignee=bob)

    # The dispatcher gave up waiting on the first POST and sent the event again.
    overlapping = await asyncio.gather(deliver(broker, SEND, event), deliver(broker, SEND, event))
    later = await deliver(broker, SEND, event)

    # The overlap is told to retry; by then the first attempt has settled it.
    assert sorted(r.status_code for r in overlapping) == [202, 503]
    assert later.status_code == 202
    assert len(receiver.at(unhurried["url"])) == 1


async def test_a_redirect_is_a_failure_and_is_not_followed(
    api: httpx.AsyncClient, receiver: Receiver, broker: httpx.AsyncClient
) -> None:
    ada, bob, project_id = await scene(api)
    elsewhere = receiver.hook()
    moved = Answer(307, {"location": elsewhere})
    redirecting = await add_webhook(api, bob, receiver.hook(moved, moved))

    response = await deliver(broker, SEND, assigned_event(project_id, actor=ada, assignee=bob))
    assert_problem(response, 503)
    tested = await api.post(
        f"/api/notifications/webhooks/{redirecting['id']}/test", headers=bob.headers
    )
    assert tested.status_code == 200, tested.text
    assert tested.json()["delivered"] is False
    assert tested.json()["status_code"] == 307
    assert "redirect" in tested.json()["error"]
    assert len(receiver.at(redirecting["url"])) == 2
    assert receiver.at(elsewhere) == []


async def test_a_receiver_slower_than_the_timeout_is_a_failure(
    api: httpx.AsyncClient, receiver: Receiver, broker: httpx.AsyncClient
) -> None:
    ada, bob, project_id = await scene(api)
    slow = Answer(delay=TIMEOUT * 4)
    webhook = await add_webhook(api, bob, receiver.hook(slow, slow))

    started = time.perf_counter()
    tested = await api.post(
        f"/api/notifications/webhooks/{webhook['id']}/test", headers=bob.headers
    )
    assert time.perf_counter() - started < TIMEOUT * 3
    assert tested.json()["delivered"] is False
    assert tested.json()["status_code"] is None
    assert "no answer within" in tested.json()["error"]

    response = await deliver(broker, SEND, assigned_event(project_id, actor=ada, assignee=bob))
    assert_problem(response, 503)


async def test_the_test_button_sends_a_signed_test_payload_and_reports_the_answer(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    bob = await signup(api, "bob")
    webhook = await add_webhook(api, bob, receiver.hook(Answer(201)))

    tested = await api.post(
        f"/api/notifications/webhooks/{webhook['id']}/test", headers=bob.headers
    )

    assert tested.status_code == 200, tested.text
    assert tested.json()["delivered"] is True
    assert tested.json()["status_code"] == 201
    assert tested.json()["error"] is None
    [received] = receiver.at(webhook["url"])
    payload = verified(webhook["secret"], received)
    assert payload["type"] == "com.taskflow.webhook.test"
    assert payload["data"]["webhook_id"] == webhook["id"]


async def test_outside_dev_a_stored_loopback_webhook_is_skipped_and_refused_when_tested(
    api: httpx.AsyncClient, receiver: Receiver, pg_runtime: Runtime
) -> None:
    ada, bob, project_id = await scene(api)
    webhook = await add_webhook(api, bob, receiver.hook())  # accepted: this is the dev mode
    assert pg_runtime.settings.env == "test"

    async with serve(pg_runtime) as production_like, sinks(pg_runtime) as production_broker:
        event = assigned_event(project_id, actor=ada, assignee=bob)
        # Refused for good: answered 2xx, so the broker does not retry what cannot work.
        response = await deliver(production_broker, SEND, event)
        assert response.status_code == 202, response.text
        tested = await production_like.post(
            f"/api/notifications/webhooks/{webhook['id']}/test", headers=bob.headers
        )
    assert "https" in assert_problem(tested, 422)["detail"]
    assert receiver.at(webhook["url"]) == []


async def test_a_delivery_dials_the_vetted_address_but_speaks_tls_to_the_urls_name(
    tmp_path: Path,
) -> None:
    name = "hooks.example.test"  # resolves nowhere: reaching it proves no second lookup
    certificate, key, authority = issue_certificate(tmp_path, name)
    with running_receiver((certificate, key, name)) as receiver:
        url = receiver.hook()
        # The first vetted address takes no connection; the next one does.
        target = Target(httpx.URL(url), ("127.0.0.2", "127.0.0.1"))
        trusting = ssl.create_default_context(cafile=str(authority))
        async with httpx.AsyncClient(verify=trusting, trust_env=False) as client:
            status = await post_pinned(client, target, {}, b"{}")
            # The certificate is checked against the URL's name, not the address dialled.
            impostor = Target(httpx.URL(url.replace(name, "other.example.test")), ("127.0.0.1",))
            with pytest.raises(httpx.ConnectError):
                await post_pinned(client, impostor, {}, b"{}")

    assert status == 200
    [received] = receiver.at(url)
    assert received.headers["host"] == httpx.URL(url).netloc.decode()


def issue_certificate(directory: Path, name: str) -> tuple[Path, Path, Path]:
    """A certificate for `name` alone (no address in it) from a CA of its own."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TaskFlow test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "leaf.pem", directory / "leaf.key", directory / "ca.pem"
    paths[0].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths[2].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return paths
