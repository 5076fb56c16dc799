"""What the password reset and e-mail verification tests share: the account events in the
outbox, the event function that mails their links, and the mail it wrote or sent."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
from cloudevents.http import CloudEvent
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from sqlalchemy import select

from functions.core.outbox import from_row
from functions.core.runtime import Runtime
from functions.core.tables import outbox
from tests.integration.helpers_notifications import deliver, sinks

SEND_ACCOUNT_MAIL = "/events/send-account-mail"
SENDER = "notifications@taskflow.example"
# What follows `#token=` in a mailed link: secrets.token_urlsafe's alphabet.
_TOKEN = re.compile(r"/(reset-password|verify-email)#token=([A-Za-z0-9_-]+)")


@pytest.fixture
def ses(pg_runtime: Runtime) -> Iterator[Any]:
    """moto's SES, with TaskFlow's sender verified; yields the backend that keeps sent mail."""
    region = pg_runtime.settings.aws_region
    with mock_aws():
        boto3.client("sesv2", region_name=region).create_email_identity(EmailIdentity=SENDER)
        yield ses_backends[DEFAULT_ACCOUNT_ID][region]


async def account_events(rt: Runtime, event_type: str, address: str) -> list[CloudEvent]:
    """The outbox's events of `event_type` about `address`, oldest first."""
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox).where(outbox.c.event_type == event_type).order_by(outbox.c.id)
        )
    return [from_row(row._mapping) for row in rows if row.payload["email"] == address]


async def send_mail_for(rt: Runtime, event: CloudEvent) -> None:
    """Deliver `event` to the send_account_mail function, as the dispatcher would."""
    async with sinks(rt) as broker:
        response = await deliver(broker, SEND_ACCOUNT_MAIL, event)
    assert response.status_code == 202, response.text


@dataclass(frozen=True)
class Received:
    to: str
    subject: str
    body: str  # the plain-text part from a file; the HTML part moto keeps from SES

    @property
    def link(self) -> tuple[str, str]:
        """The page the mailed link opens and its secret."""
        [(page, secret)] = set(_TOKEN.findall(self.body))
        return page, secret


def mail_dir(rt: Runtime) -> Path:
    directory = rt.settings.effective_mail_dir
    assert directory is not None
    return directory


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def received(rt: Runtime, address: str) -> list[Received]:
    """The mail to `address`: the .eml files in the mail folder (the embedded mode), or
    what moto's SES was given (on the servers), oldest first."""
    if rt.settings.effective_mail_dir is not None:
        found = []
        for path in sorted(mail_dir(rt).glob("*.eml")) if mail_dir(rt).is_dir() else []:
            message = read_eml(path)
            if f"<{address}>" in str(message["To"]):
                text = message.get_body(preferencelist=("plain",))
                assert text is not None
                found.append(
                    Received(str(message["To"]), str(message["Subject"]), text.get_content())
                )
        return found
    backend = ses_backends[DEFAULT_ACCOUNT_ID][rt.settings.aws_region]
    return [
        Received(m.destinations["ToAddresses"][0], m.subject, m.body)
        for m in backend.sent_messages
        if any(f"<{address}>" in to for to in m.destinations["ToAddresses"])
    ]


@contextmanager
def logged(name: str) -> Iterator[list[str]]:
    """The messages the logger `name` writes meanwhile, at INFO and up (TaskFlow's loggers do
    not propagate to the root, where pytest's caplog listens)."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger(name)
    handler, level = Keep(logging.INFO), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
