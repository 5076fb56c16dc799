"""Single-use links mailed to a person: a password reset, and the verification of an address.

Rules in one place:
- asking for a reset only counts the attempt (per client address and per address asked
  for) and records an event: no account is looked up, so the answer and its time are the
  same whether or not the address has an account;
- the event function `send_account_mail` makes the link: a random secret, of which only the
  SHA-256 is kept (with its purpose, the address it went to and its expiry), mailed as
  `{public_url}/reset-password#token=...` or `/verify-email#token=...` (a fragment, so the
  secret never reaches a server's log). A reset for an address without an account mails
  nothing; a verification for an address the account no longer has, or has verified, neither;
- a link works once, before it expires, and only while its address is still the account's;
- completing a reset sets the password, uses up the account's other reset links, marks the
  address verified (the link proves it) and ends every session of the account;
- the mail service refusing an address for good is logged and given up; any other failure
  propagates, so the event is delivered again.
"""

from __future__ import annotations

import html
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from cloudevents.http import CloudEvent
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import EmailVerificationRequested, PasswordResetRequested
from functions.core import outbox
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.emails import normalise_email
from functions.core.errors import Conflict, InvalidInput, InvalidLink, Unauthenticated
from functions.core.models.account_mail import (
    RESET_REQUESTED,
    VERIFICATION_SENT,
    Accepted,
    EmailVerified,
    PasswordResetComplete,
    PasswordResetRequest,
)
from functions.core.ratelimit import Budget, spend
from functions.core.runtime import Runtime
from functions.core.security.digests import secret_hash
from functions.core.services import accounts
from functions.core.services.mail import Mail, MailRejected, mailer_for
from functions.core.services.recipients import parse_data
from functions.core.settings import Settings
from functions.core.tables import account_tokens, users

log = logging.getLogger("taskflow.account_mail")

PASSWORD_RESET: Final = "password_reset"
EMAIL_VERIFICATION: Final = "email_verification"
ALREADY_VERIFIED: Final = "this address is verified already"


@dataclass(frozen=True)
class _Link:
    purpose: str
    page: str
    subject: str


_RESET: Final = _Link(PASSWORD_RESET, "reset-password", "Reset your TaskFlow password")
_VERIFY: Final = _Link(
    EMAIL_VERIFICATION, "verify-email", "Verify your e-mail address for TaskFlow"
)


def link_url(settings: Settings, page: str, secret: str) -> str:
    return f"{settings.public_url.rstrip('/')}/{page}#token={secret}"


# Asking --------------------------------------------------------------------------------------


async def request_password_reset(
    rt: Runtime, request: PasswordResetRequest, client_address: str
) -> Accepted:
    """Count the attempt and record the event that mails a link if the address has an
    account; the same answer either way."""
    s = rt.settings
    email = normalise_email(request.email)
    await spend(
        rt.redis,
        s,
        Budget("password-reset-address", client_address, s.password_reset_limit_per_address),
        Budget("password-reset-email", email, s.password_reset_limit_per_email),
    )
    event = outbox.build(
        types.PASSWORD_RESET_REQUESTED,
        PasswordResetRequested(email=email),
        subject=uuid.uuid4(),  # about no known account: a subject of its own
    )
    async with transaction(rt.engine) as conn:
        await outbox.record(conn, [event])
    return Accepted(detail=RESET_REQUESTED)


async def resend_verification(rt: Runtime, user_id: uuid.UUID) -> Accepted:
    """Mail another link to verify the account's address; 409 if it is verified already."""
    s = rt.settings
    # Each one is a mail: a stolen session must not make TaskFlow a mail cannon.
    await spend(
        rt.redis,
        s,
        Budget("verification-account", str(user_id), s.password_reset_limit_per_email),
    )
    async with transaction(rt.engine) as conn:
        row = (
            await conn.execute(
                select(users.c.email, users.c.email_verified_at).where(users.c.id == user_id)
            )
        ).first()
        if row is None:
            raise Unauthenticated(accounts.ACCOUNT_GONE)
        if row.email_verified_at is not None:
            raise Conflict(ALREADY_VERIFIED)
        await outbox.record(conn, [accounts.verification_requested(user_id, row.email)])
    return Accepted(detail=VERIFICATION_SENT)


# Mailing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    user_id: uuid.UUID
    email: str
    display_name: str


async def send_account_mail(rt: Runtime, event: CloudEvent) -> None:
    """Make the link an account event asks for and mail it (or nothing, when there is no
    account to mail about)."""
    data = parse_data(event)
    match data:
        case PasswordResetRequested(email=email):
            recipient = await _reset_recipient(rt, email)
            link = _RESET
        case EmailVerificationRequested(user_id=user_id, email=email):
            recipient = await _verification_recipient(rt, user_id, email)
            link = _VERIFY
        case _:
            raise InvalidInput(f"send_account_mail does not take {event['type']}")
    if recipient is None:
        return
    secret = secrets.token_urlsafe(32)
    seconds = _lifetime(rt.settings, link)
    now = utcnow()
    async with transaction(rt.engine) as conn:
        await conn.execute(
            insert(account_tokens).values(
                id=uuid.uuid4(),
                user_id=recipient.user_id,
                purpose=link.purpose,
                token_hash=secret_hash(secret),
                email=recipient.email,
                created_at=now,
                expires_at=now + timedelta(seconds=seconds),
            )
        )
    mail = compose(rt.settings, link, recipient, link_url(rt.settings, link.page, secret), seconds)
    try:
        await mailer_for(rt.settings).send(mail)
    except MailRejected as exc:
        log.warning(
            "%s mail to account %s refused for good: %s", link.purpose, recipient.user_id, exc
        )


async def _reset_recipient(rt: Runtime, email: str) -> _Recipient | None:
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(users.c.id, users.c.email, users.c.display_name).where(
                    users.c.email == normalise_email(email)
                )
            )
        ).first()
    if row is None:
        log.info("password reset asked for an address without an account; nothing mailed")
        return None
    return _Recipient(row.id, row.email, row.display_name)


async def _verification_recipient(rt: Runtime, user_id: uuid.UUID, email: str) -> _Recipient | None:
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(
                    users.c.id, users.c.email, users.c.display_name, users.c.email_verified_at
                ).where(users.c.id == user_id)
            )
        ).first()
    if row is None or row.email != email:
        log.info("account %s no longer has the address to verify; nothing mailed", user_id)
        return None
    if row.email_verified_at is not None:
        log.info("account %s has verified its address already; nothing mailed", user_id)
        return None
    return _Recipient(row.id, row.email, row.display_name)


def _lifetime(settings: Settings, link: _Link) -> int:
    if link.purpose == PASSWORD_RESET:
        return settings.password_reset_seconds
    return settings.email_verification_seconds


def _duration(seconds: int) -> str:
    if seconds % 86_400 == 0:
        days = seconds // 86_400
        return "1 day" if days == 1 else f"{days} days"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def compose(settings: Settings, link: _Link, to: _Recipient, url: str, seconds: int) -> Mail:
    """The mail with the link: plain text, and a simple HTML part with a button."""
    from email.utils import formataddr

    name = " ".join(to.display_name.split())
    within = _duration(seconds)
    if link.purpose == PASSWORD_RESET:
        intro = "Someone (we hope you) asked to reset the password of your TaskFlow account."
        action = "Choose a new password"
        after = (
            f"The link works once, within {within}. Setting a new password signs you out "
            "everywhere you are signed in."
        )
        unasked = "If you did not ask for this, ignore this e-mail: your password stays as it is."
    else:
        intro = f"Please confirm that {to.email} is your address for TaskFlow."
        action = "Verify my address"
        after = (
            f"The link works once, within {within}. Until then TaskFlow sends no notification "
            "e-mails to this address."
        )
        unasked = "If you did not make a TaskFlow account with this address, ignore this e-mail."
    text = "\n".join([f"Hi {name},", "", intro, "", f"{action}: {url}", "", after, "", unasked, ""])
    markup = (
        '<!DOCTYPE html><html><body style="font-family: sans-serif; line-height: 1.4">'
        f"<p>Hi {html.escape(name)},</p>"
        f"<p>{html.escape(intro)}</p>"
        f'<p><a href="{html.escape(url)}" style="display: inline-block; padding: 8px 16px; '
        'background: #2563eb; color: #fff; text-decoration: none; border-radius: 4px">'
        f"{html.escape(action)}</a></p>"
        f'<p style="font-size: 13px">Or open this address: {html.escape(url)}</p>'
        f"<p>{html.escape(after)}</p>"
        f'<p style="font-size: 12px; color: #555">{html.escape(unasked)}</p>'
        "</body></html>"
    )
    return Mail(
        to=formataddr((name, to.email)), subject=link.subject, text=text, html=markup, link=url
    )


# Following a link ----------------------------------------------------------------------------


async def _claim(
    conn: AsyncConnection, purpose: str, secret: str, user_id: uuid.UUID | None = None
) -> tuple[uuid.UUID, str]:
    """Use up the link (one claim ever succeeds); its account and address, else InvalidLink."""
    t = account_tokens
    conditions = [
        t.c.token_hash == secret_hash(secret),
        t.c.purpose == purpose,
        t.c.used_at.is_(None),
        t.c.expires_at > utcnow(),
    ]
    if user_id is not None:
        conditions.append(t.c.user_id == user_id)
    claimed = (
        await conn.execute(
            update(t)
            .where(and_(*conditions))
            .values(used_at=utcnow())
            .returning(t.c.user_id, t.c.email)
        )
    ).first()
    if claimed is None:
        raise InvalidLink
    return claimed.user_id, claimed.email


async def complete_password_reset(rt: Runtime, request: PasswordResetComplete) -> None:
    """Set the new password through a reset link, once; every session of the account ends."""
    t = account_tokens
    async with reading(rt.engine) as conn:
        user_id = await conn.scalar(
            select(t.c.user_id).where(
                t.c.token_hash == secret_hash(request.token),
                t.c.purpose == PASSWORD_RESET,
                t.c.used_at.is_(None),
                t.c.expires_at > utcnow(),
            )
        )
    if user_id is None:  # refused before paying for a hash
        raise InvalidLink
    # No connection is held while hashing.
    password_hash = await rt.passwords.hash(request.password)
    now = utcnow()
    async with transaction(rt.engine) as conn:
        # The account's row first (the lock order of accounts), then its links.
        if await accounts.lock_account(conn, user_id) is None:
            raise InvalidLink
        _, email = await _claim(conn, PASSWORD_RESET, request.token, user_id)
        # Following the link proves the address; it must still be the account's.
        proven = await conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.email == email)
            .values(email_verified_at=func.coalesce(users.c.email_verified_at, now))
            .returning(users.c.id)
        )
        if proven.first() is None:
            raise InvalidLink  # rolled back: the password stays as it was
        await conn.execute(
            update(t)
            .where(t.c.user_id == user_id, t.c.purpose == PASSWORD_RESET, t.c.used_at.is_(None))
            .values(used_at=now)
        )
        # Last: ending sessions refuses access tokens in Redis, which no rollback undoes.
        await accounts.set_password_ending_sessions(rt, conn, user_id, password_hash)


async def verify_email(rt: Runtime, secret: str) -> EmailVerified:
    """Mark the address the link went to verified, once, while it is the account's."""
    now = utcnow()
    async with transaction(rt.engine) as conn:
        user_id, email = await _claim(conn, EMAIL_VERIFICATION, secret)
        verified = await conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.email == email)
            .values(email_verified_at=func.coalesce(users.c.email_verified_at, now))
            .returning(users.c.email)
        )
        if verified.first() is None:
            raise InvalidLink  # the account's address changed since the link was mailed
    return EmailVerified(email=email, email_verified=True)
