"""A password reset in `taskflow dev` as a person on a laptop does it: the link's mail is a file
in the data folder (and its link is in the log), and following it works once."""

from __future__ import annotations

import re
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx

from tests.e2e.conftest import BIN, Server, Servers, clean_environment, free_port
from tests.support import PASSWORD

NEW_PASSWORD = "a brand new passphrase"  # pragma: allowlist secret
LINK = re.compile(r"(http://\S+)/reset-password#token=([A-Za-z0-9_-]+)")


def _start_dev(servers: Servers, data_dir: Path) -> Server:
    port = free_port()
    env = clean_environment(TASKFLOW_DATA_DIR=str(data_dir))
    command = [str(BIN / "taskflow"), "dev", "--port", str(port)]
    return servers.start("taskflow-dev-reset", command, port, env)


def _mail_to(folder: Path, address: str, subject: str, timeout: float = 20.0) -> EmailMessage:
    """The .eml in `folder` to `address` with `subject`, once the event function wrote it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if f"<{address}>" in str(message["To"]) and message["Subject"] == subject:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail “{subject}” to {address} in {folder} within {timeout} s")


def test_a_reset_link_from_the_mail_folder_works_once_and_ends_the_old_session(
    servers: Servers, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = _start_dev(servers, data_dir)
    email = f"forgetful-{uuid.uuid4().hex[:8]}@example.com"
    with server.client() as client:
        registered = client.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Forgetful"},
        )
        assert registered.status_code == 201, registered.text
        old = registered.json()
        client.cookies.clear()

        asked = client.post("/api/auth/password-reset", json={"email": email})
        assert asked.status_code == 202, asked.text

        # Registering mailed a verification link; asking, a reset link.
        _mail_to(data_dir / "mail", email, "Verify your e-mail address for TaskFlow")
        message = _mail_to(data_dir / "mail", email, "Reset your TaskFlow password")
        text = message.get_body(preferencelist=("plain",))
        assert text is not None
        [(base, secret)] = set(LINK.findall(text.get_content()))
        assert base == server.base_url.rstrip("/")  # taskflow dev's own address
        assert f"E-mail is written to {(data_dir / 'mail').resolve()}" in server.output()
        # The log names the file and the link, for whoever runs the server.
        assert f"/reset-password#token={secret}" in server.output()

        done = client.post(
            "/api/auth/password-reset/complete",
            json={"token": secret, "password": NEW_PASSWORD},
        )
        assert done.status_code == 204, done.text
        again = client.post(
            "/api/auth/password-reset/complete",
            json={"token": secret, "password": "yet another password"},
        )
        assert again.status_code == 400, again.text
        assert again.json()["type"] == "invalid_link"

        _assert_old_session_ended(client, old)
        old_password = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert old_password.status_code == 401, old_password.text
        signed_in = client.post("/api/auth/login", json={"email": email, "password": NEW_PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        me = client.get(
            "/api/auth/me",
            headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"},
        )
        assert me.json()["email_verified"] is True  # the link proved the address


def _assert_old_session_ended(client: httpx.Client, old: dict[str, str]) -> None:
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {old['access_token']}"})
    assert me.status_code == 401, me.text
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert refreshed.status_code == 401, refreshed.text
