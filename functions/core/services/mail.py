"""E-mail notices: the recipients who chose e-mail for this kind get one, sent through SES.

Rules in one place:
- only people with e-mail enabled, and not muted for the notice's kind, are mailed;
- a person is mailed about an event at most once: each mail is claimed in Redis while it
  is sent and remembered for a week once it went, so a redelivery of the event (even one
  overlapping a send under way) mails only those not mailed yet;
- SES refusing an address is final (logged, skipped); throttling, SES errors and
  unreachable endpoints fail the delivery (DeliveryFailed: retried, then dead-lettered).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any, Final, Protocol

from cloudevents.http import CloudEvent

from functions.core import kv
from functions.core.database import reading
from functions.core.errors import DeliveryFailed
from functions.core.runtime import Runtime
from functions.core.services.delivery_claims import (
    CLAIMED,
    SENDING,
    claim_delivery,
    event_digest,
    settle_delivery,
)
from functions.core.services.preferences import MailRecipient, mail_recipients
from functions.core.services.recipients import Notice, notice_link, notices_for
from functions.core.settings import Settings

log = logging.getLogger("taskflow.mail")

# Longer than one send with botocore's own retries (timeouts below), so no overlap.
CLAIM_SECONDS: Final = 60
SUBJECT_LENGTH: Final = 150
# SES error codes that mean "this message, to this address, will never be accepted".
REJECTIONS: Final = frozenset({"MessageRejected", "InvalidParameterValue", "BadRequestException"})


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class MailRejected(Exception):
    """The mail service refused this message for good (an unusable address)."""


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None:
        """Send `mail`; MailRejected if it can never be sent, any other error to retry."""


class SesMailer:
    """Amazon SES (v2 API) through boto3, which blocks: each call runs in a thread."""

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._client = client  # a boto3 SESv2 client; built on first use if not given

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._send, mail)

    def _send(self, mail: Mail) -> None:
        from botocore.exceptions import ClientError

        try:
            self._ses().send_email(
                FromEmailAddress=self.settings.mail_sender,
                Destination={"ToAddresses": [mail.to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": mail.text, "Charset": "UTF-8"}},
                    }
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in REJECTIONS:
                raise MailRejected(str(exc)) from exc
            raise

    def _ses(self) -> Any:
        if self._client is None:
            # Imported here: no other function pays for boto3 at start-up.
            import boto3
            from botocore.config import Config

            # A fresh session: boto3's default one is not safe to build clients in threads.
            self._client = boto3.session.Session().client(
                "sesv2",
                region_name=self.settings.aws_region,
                endpoint_url=self.settings.ses_endpoint_url,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 2},
                    connect_timeout=5,
                    read_timeout=10,
                ),
            )
        return self._client


async def send_email(rt: Runtime, event: CloudEvent, mailer: Mailer | None = None) -> None:
    """Mail each recipient of `event` who wants it and was not mailed about it yet.

    Raises DeliveryFailed if any mail may go through later.
    """
    settings, redis = rt.settings, rt.redis
    async with reading(rt.engine) as conn:
        notices = await notices_for(conn, event)
        if not notices:
            return
        # Each person's notice has its kind (a mention beside the event's own).
        wanted = [
            recipient
            for kind in sorted({n.kind for n in notices})
            for recipient in await mail_recipients(
                conn, [n.user_id for n in notices if n.kind == kind], kind
            )
        ]
    by_user = {n.user_id: n for n in notices}
    sender = mailer or SesMailer(settings)
    failed = 0
    for recipient in wanted:
        key = delivery_key(settings, by_user[recipient.user_id], recipient.user_id)
        claim = await claim_delivery(redis, key, CLAIM_SECONDS)
        if claim == SENDING:
            failed += 1  # an overlapping attempt is sending it: a retry will see how it went
        if claim != CLAIMED:
            continue
        delivered = False
        try:
            await sender.send(compose(settings, recipient, by_user[recipient.user_id]))
            delivered = True
        except MailRejected as exc:
            log.warning("mail to user %s refused for good: %s", recipient.user_id, exc)
        except Exception as exc:
            log.warning("mail to user %s failed: %s", recipient.user_id, exc)
            failed += 1
        finally:
            await settle_delivery(redis, key, delivered=delivered)
    if failed:
        raise DeliveryFailed(f"{failed} of {len(wanted)} e-mails failed; retry later")


def delivery_key(settings: Settings, notice: Notice, user_id: uuid.UUID) -> str:
    """The Redis key of this person's mail about this event."""
    return kv.key(settings, "email-delivery", event_digest(notice), str(user_id))


def compose(settings: Settings, recipient: MailRecipient, notice: Notice) -> Mail:
    """The subject names what happened (the notice's words); the body adds a link to it."""
    line = _one_line(notice.message)
    subject = f"TaskFlow: {line}"
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1] + "…"
    settings_link = settings.public_url.rstrip("/") + "/settings/notifications"
    text = (
        f"Hi {_one_line(recipient.display_name)},\n\n"
        f"{notice.message}\n\n"
        f"Open it in TaskFlow: {notice_link(settings, notice)}\n\n"
        "--\n"
        "You get this e-mail because you turned on e-mail notifications in TaskFlow.\n"
        f"Change what you receive: {settings_link}\n"
    )
    to = formataddr((_one_line(recipient.display_name), recipient.email))
    return Mail(to=to, subject=subject, text=text)


def _one_line(text: str) -> str:
    # Titles and names are user text: no line breaks or controls in headers.
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())
