"""Notification preferences and webhooks through the gateway; URL rules outside the dev mode."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from httpx import AsyncClient

from events.types import COMMENT_UPDATED, NOTIFYING_TYPES
from functions.core.models.preferences import MAX_WEBHOOKS_PER_USER, NOTICE_KINDS
from functions.core.runtime import Runtime
from functions.core.services.safe_http import is_public_address, vet
from tests.support import assert_problem, signup

# A public address literal: adding it needs no DNS, and nothing is ever sent to it here.
PUBLIC_HOOK = "https://52.1.2.3/hooks/taskflow"


@pytest.fixture(autouse=True)
def _outside_dev(pg_runtime: Runtime) -> None:
    # The `api` fixture's runtime: the rules below are the ones outside the dev mode.
    assert not pg_runtime.settings.webhooks_may_reach_private_addresses


def test_the_notice_kinds_are_the_notifying_event_types_and_mentions() -> None:
    # An edited comment tells only the people it newly mentions: its notices are mentions.
    told = [t for t in NOTIFYING_TYPES if t != COMMENT_UPDATED]
    assert list(NOTICE_KINDS) == [*(t.removeprefix("com.taskflow.") for t in told), "mention"]


async def test_preferences_start_with_email_off_and_every_kind_on(any_api: AsyncClient) -> None:
    ada = await signup(any_api, "ada")
    response = await any_api.get("/api/notifications/preferences", headers=ada.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "email_enabled": False,
        "email_kinds": dict.fromkeys(NOTICE_KINDS, True),
        "default_reminders": [],
        "updated_at": None,
    }


async def test_updating_preferences_changes_only_the_fields_and_kinds_sent(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    path = "/api/notifications/preferences"
    first = await any_api.put(
        path,
        json={"email_enabled": True, "email_kinds": {"task.created": False}},
        headers=ada.headers,
    )
    assert first.status_code == 200, first.text
    second = await any_api.put(
        path, json={"email_kinds": {"comment.added": False}}, headers=ada.headers
    )
    assert second.status_code == 200, second.text

    saved = (await any_api.get(path, headers=ada.headers)).json()
    assert saved["email_enabled"] is True
    assert {kind for kind, on in saved["email_kinds"].items() if not on} == {
        "task.created",
        "comment.added",
    }
    assert saved["updated_at"] is not None

    again = await any_api.put(
        path, json={"email_kinds": {"task.created": True}}, headers=ada.headers
    )
    assert again.json()["email_kinds"]["task.created"] is True
    assert again.json()["email_kinds"]["comment.added"] is False
    # Someone else's preferences are untouched by any of this.
    bob = await signup(any_api, "bob")
    assert (await any_api.get(path, headers=bob.headers)).json()["email_enabled"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"email_enabled": None},
        {"email_kinds": {"task.exploded": True}},
        {"email_enabled": "sometimes"},
        {"email_enabled": True, "push_enabled": True},
    ],
)
async def test_preferences_refuse_what_they_cannot_hold(
    api: AsyncClient, body: dict[str, object]
) -> None:
    ada = await signup(api, "ada")
    response = await api.put("/api/notifications/preferences", json=body, headers=ada.headers)
    assert_problem(response, 422)


async def test_a_webhook_is_added_with_its_secret_once_listed_without_it_and_deleted(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    path = "/api/notifications/webhooks"
    added = await any_api.post(
        path, json={"url": PUBLIC_HOOK, "description": "my bot"}, headers=ada.headers
    )
    assert added.status_code == 201, added.text
    webhook = added.json()
    assert webhook["secret"].startswith("whsec_")
    assert webhook["url"] == PUBLIC_HOOK

    listed = (await any_api.get(path, headers=ada.headers)).json()["items"]
    assert listed == [{k: v for k, v in webhook.items() if k != "secret"}]

    deleted = await any_api.delete(f"{path}/{webhook['id']}", headers=ada.headers)
    assert deleted.status_code == 204
    assert (await any_api.get(path, headers=ada.headers)).json()["items"] == []
    assert_problem(await any_api.delete(f"{path}/{webhook['id']}", headers=ada.headers), 404)


async def test_someone_elses_webhook_is_not_found(any_api: AsyncClient) -> None:
    ada, eve = await signup(any_api, "ada"), await signup(any_api, "eve")
    path = "/api/notifications/webhooks"
    webhook = (await any_api.post(path, json={"url": PUBLIC_HOOK}, headers=ada.headers)).json()

    assert (await any_api.get(path, headers=eve.headers)).json()["items"] == []
    assert_problem(await any_api.delete(f"{path}/{webhook['id']}", headers=eve.headers), 404)
    assert_problem(await any_api.post(f"{path}/{webhook['id']}/test", headers=eve.headers), 404)
    assert_problem(await any_api.delete(f"{path}/not-a-uuid", headers=eve.headers), 404)
    # Ada's webhook is still there.
    assert len((await any_api.get(path, headers=ada.headers)).json()["items"]) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://52.1.2.3/hooks",  # plain http outside dev
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "https://10.0.0.1/hooks",
        "https://192.168.1.10/hooks",
        "https://100.64.0.1/hooks",  # carrier-grade NAT
        "https://[fd00::1]/hooks",  # IPv6 unique local
        "https://[fe80::1]/hooks",
        "https://224.0.0.1/hooks",  # multicast
        "https://0.0.0.0/hooks",
        "https://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped loopback
        "https://[::ffff:169.254.169.254]/hooks",
        "https://2130706433/hooks",  # 127.0.0.1 as one number: the resolver's view counts
        "https://localhost/hooks",
        "https://localhost:8443/hooks",
        "https://api.localhost/hooks",
        "https://user:secret@52.1.2.3/hooks",  # credentials in the URL
        "ftp://52.1.2.3/hooks",
        "not a url",
        "https://xn--/hooks",  # a malformed internationalised name
        "https://.0/hooks",  # an empty label
    ],
)
async def test_outside_dev_a_webhook_must_be_https_to_a_public_address(
    api: AsyncClient, url: str
) -> None:
    ada = await signup(api, "ada")
    path = "/api/notifications/webhooks"
    response = await api.post(path, json={"url": url}, headers=ada.headers)
    assert_problem(response, 422)
    assert (await api.get(path, headers=ada.headers)).json()["items"] == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("52.1.2.3", True),
        ("2a00:1450:4001:82a::200e", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("169.254.169.254", False),
        ("fd12:3456::1", False),
        ("ff02::1", False),
        ("::", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("192.0.2.1", False),  # documentation
        ("255.255.255.255", False),
        ("not an address", False),
    ],
)
def test_only_public_addresses_are_called(address: str, public: bool) -> None:
    assert is_public_address(address) is public


async def test_a_person_may_have_only_so_many_webhooks(any_api: AsyncClient) -> None:
    ada = await signup(any_api, "ada")
    path = "/api/notifications/webhooks"
    for n in range(MAX_WEBHOOKS_PER_USER):
        added = await any_api.post(path, json={"url": f"{PUBLIC_HOOK}/{n}"}, headers=ada.headers)
        assert added.status_code == 201, added.text
    refused = await any_api.post(path, json={"url": f"{PUBLIC_HOOK}/more"}, headers=ada.headers)
    assert_problem(refused, 409)

    first = (await any_api.get(path, headers=ada.headers)).json()["items"][0]
    await any_api.delete(f"{path}/{first['id']}", headers=ada.headers)
    again = await any_api.post(path, json={"url": f"{PUBLIC_HOOK}/more"}, headers=ada.headers)
    assert again.status_code == 201, again.text


async def test_notification_settings_need_a_signed_in_user(api: AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/notifications/preferences"),
        ("PUT", "/api/notifications/preferences"),
        ("GET", "/api/notifications/webhooks"),
        ("POST", "/api/notifications/webhooks"),
    ]:
        assert_problem(await api.request(method, path), 401)


@pytest.mark.parametrize("inside", ["127.0.0.1", "::1", "10.0.0.1", "169.254.169.254"])
async def test_a_name_that_resolves_inside_is_refused_like_the_address(
    api: AsyncClient, monkeypatch: pytest.MonkeyPatch, inside: str
) -> None:
    # A name whose answer the test decides, through the resolver the check really calls.
    name = "hooks.inside.example"
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        family = socket.AF_INET6 if ":" in inside else socket.AF_INET
        address = (inside, port, 0, 0) if family == socket.AF_INET6 else (inside, port)
        return [(family, socket.SOCK_STREAM, 6, "", address)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    ada = await signup(api, "ada")
    response = await api.post(
        "/api/notifications/webhooks", json={"url": f"https://{name}/hooks"}, headers=ada.headers
    )
    assert "not public" in assert_problem(response, 422)["detail"]


async def test_vetting_a_public_url_names_the_addresses_a_delivery_dials(
    pg_runtime: Runtime,
) -> None:
    target = await vet(pg_runtime.settings, PUBLIC_HOOK)
    assert target.addresses == ("52.1.2.3",)
    assert str(target.url) == PUBLIC_HOOK
