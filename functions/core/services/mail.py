"""E-mail notices, grouped: what happens to one task for one person within a short window goes
out as one e-mail, through SES.

Rules in one place:
- only people with e-mail enabled, and not muted for a notice's kind, are mailed (checked
  when a notice is queued and again when its e-mail is written);
- `queue_email` (the send_email event function) only queues: each notice joins its person's
  open group for the task in PostgreSQL, once per event and person however often the event
  arrives;
- mail goes through SES, or, in the embedded mode and wherever TASKFLOW_MAIL_DIR is set, is
  written as .eml files to a folder and logged (`mailer_for` chooses, in one place);
- `flush_emails` (a scheduled function, every minute) sends each group whose first notice is
  `email_group_seconds` old as one e-mail: the subject names the task, the body lists what
  happened in order, times in the reader's time zone, comments and descriptions rendered from
  Markdown in the HTML part. A group is claimed (FOR UPDATE SKIP LOCKED, then a lease) by
  one flush, so flushes side by side never send it twice; once claimed it takes no more
  notices (they open the next group);
- SES refusing an address is final (logged, settled `rejected`); throttling, SES errors and
  unreachable endpoints leave the group for a later flush, with backoff, up to
  MAX_ATTEMPTS (then `abandoned`, logged).
"""

from __future__ import annotations

import asyncio
import html
import logging
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Final, Protocol

from cloudevents.http import CloudEvent
from pydantic import BaseModel
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.models import CommentAdded, CommentUpdated, TaskCreated, TaskUpdated
from functions.core.clock import utcnow
from functions.core.database import transaction
from functions.core.runtime import Runtime
from functions.core.services.preferences import mail_recipients
from functions.core.services.recipients import Notice, notices_for, parse_data
from functions.core.services.wording import day_and_clock, zone_label
from functions.core.settings import Settings
from functions.core.tables import email_groups, email_notices, notification_preferences, users

log = logging.getLogger("taskflow.mail")

SUBJECT_LENGTH: Final = 150
# SES error codes that mean "this message, to this address, will never be accepted".
REJECTIONS: Final = frozenset({"MessageRejected", "InvalidParameterValue", "BadRequestException"})
# A flush's hold on a group while it sends it: longer than one send with botocore's own
# retries (timeouts below); a flush that died lets the next one take the group after it.
CLAIM_SECONDS: Final = 120
# Failed sends wait 1, 2, 4 ... minutes (at most an hour) before the next try; after this
# many tries the group is given up.
MAX_ATTEMPTS: Final = 8
RETRY_BASE_SECONDS: Final = 60
RETRY_MAX_SECONDS: Final = 3600
# Groups one flush sends at most (the next flush, a minute later, goes on).
FLUSH_LIMIT: Final = 500
SENT: Final = "sent"
REJECTED: Final = "rejected"
SKIPPED: Final = "skipped"
ABANDONED: Final = "abandoned"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    # The one link a mail about an account is for: a FileMailer logs it, so that a person
    # running TaskFlow on a laptop can follow it without opening the file.
    link: str | None = None


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

        body: dict[str, Any] = {"Text": {"Data": mail.text, "Charset": "UTF-8"}}
        if mail.html is not None:
            body["Html"] = {"Data": mail.html, "Charset": "UTF-8"}
        try:
            self._ses().send_email(
                FromEmailAddress=self.settings.mail_sender,
                Destination={"ToAddresses": [mail.to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                        "Body": body,
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


class FileMailer:
    """Writes each mail as an RFC 5322 .eml file to a folder and logs where, instead of
    sending it: the embedded mode's mail, readable with any mail program or text editor."""

    def __init__(self, settings: Settings, directory: Path) -> None:
        self.settings = settings
        self.directory = directory

    async def send(self, mail: Mail) -> None:
        await self.write(mail)

    async def write(self, mail: Mail) -> Path:
        """Write `mail` and log it; the file written."""
        path = await asyncio.to_thread(self._write, mail)
        recipient = parseaddr(mail.to)[1] or mail.to
        if mail.link is not None:
            log.info(
                "mail to %s (%s) written to %s; its link: %s",
                recipient,
                mail.subject,
                path,
                mail.link,
            )
        else:
            log.info("mail to %s (%s) written to %s", recipient, mail.subject, path)
        return path

    def _write(self, mail: Mail) -> Path:
        message = EmailMessage()
        message["From"] = self.settings.mail_sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain="taskflow.local")
        message.set_content(mail.text)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html")
        self.directory.mkdir(parents=True, exist_ok=True)
        # Sortable by time, never clashing: the moment, then a random part.
        name = f"{utcnow().strftime('%Y%m%dT%H%M%S.%fZ')}-{uuid.uuid4().hex[:12]}.eml"
        path = self.directory / name
        path.write_bytes(bytes(message))
        return path


def mailer_for(settings: Settings) -> Mailer:
    """The Mailer these settings choose: files in the mail folder (the embedded mode, or
    TASKFLOW_MAIL_DIR set), else SES."""
    directory = settings.effective_mail_dir
    if directory is not None:
        return FileMailer(settings, directory)
    return SesMailer(settings)


# Queueing -----------------------------------------------------------------------------------


async def queue_email(rt: Runtime, event: CloudEvent) -> int:
    """Queue the event's notice for each recipient who wants it by e-mail; return how many
    were new (a redelivered event queues nothing more)."""
    data = parse_data(event)
    task = getattr(data, "task", None)
    title = getattr(task, "title", None)
    async with transaction(rt.engine) as conn:
        notices = await notices_for(conn, event)
        queued = 0
        for notice in await _wanted(conn, notices):
            queued += await _queue(conn, rt.settings, notice, title, _detail(data))
    return queued


async def _wanted(conn: AsyncConnection, notices: Sequence[Notice]) -> list[Notice]:
    """The notices whose recipient mails this kind (one event may hold several kinds)."""
    wanted: list[Notice] = []
    for kind in dict.fromkeys(n.kind for n in notices):
        of_kind = [n for n in notices if n.kind == kind]
        mailed = {
            r.user_id for r in await mail_recipients(conn, [n.user_id for n in of_kind], kind)
        }
        wanted += [n for n in of_kind if n.user_id in mailed]
    return wanted


def _detail(data: BaseModel) -> str | None:
    """The Markdown an e-mail shows under the notice: the comment, or the description."""
    match data:
        case CommentAdded(body=body, excerpt=excerpt):
            return body or excerpt
        case CommentUpdated(body=body):
            return body
        case TaskCreated(task=task):
            return task.description or None
        case TaskUpdated(task=task, changed=changed) if "description" in changed:
            return task.description or None
    return None


async def _queue(
    conn: AsyncConnection,
    settings: Settings,
    notice: Notice,
    title: str | None,
    detail: str | None,
) -> int:
    known = await conn.scalar(
        select(email_notices.c.id).where(
            email_notices.c.event_source == notice.event_source,
            email_notices.c.event_id == notice.event_id,
            email_notices.c.user_id == notice.user_id,
        )
    )
    if known is not None:
        return 0
    group_id = await _open_group(conn, settings, notice)
    added = await conn.execute(
        _insert(conn, email_notices)
        .values(
            group_id=group_id,
            user_id=notice.user_id,
            event_source=notice.event_source,
            event_id=notice.event_id,
            kind=notice.kind,
            message=notice.message,
            task_title=title,
            detail=detail,
            occurred_at=notice.time,
        )
        .on_conflict_do_nothing(index_elements=["event_source", "event_id", "user_id"])
    )
    return int(added.rowcount or 0)


async def _open_group(conn: AsyncConnection, settings: Settings, notice: Notice) -> uuid.UUID:
    """The person's open group for the notice's task (locked until this transaction ends),
    opened now if there is none. A notice about no task is a group of its own."""
    now = utcnow()
    new = {
        "user_id": notice.user_id,
        "project_id": notice.project_id,
        "task_id": notice.task_id,
        "opened_at": now,
        "send_after": now + timedelta(seconds=settings.email_group_seconds),
    }
    if notice.task_id is None:
        group_id = uuid.uuid4()
        await conn.execute(email_groups.insert().values(id=group_id, **new))
        return group_id
    mine = (
        select(email_groups.c.id)
        .where(
            email_groups.c.user_id == notice.user_id,
            email_groups.c.task_id == notice.task_id,
            email_groups.c.closed_at.is_(None),
        )
        .with_for_update()
    )
    # A flush may close the group between the look and the insert: then look again.
    for _ in range(3):
        found: uuid.UUID | None = await conn.scalar(mine)
        if found is not None:
            return found
        await conn.execute(
            _insert(conn, email_groups)
            .values(id=uuid.uuid4(), **new)
            .on_conflict_do_nothing(
                index_elements=["user_id", "task_id"],
                index_where=email_groups.c.closed_at.is_(None),
            )
        )
    raise RuntimeError("no open e-mail group could be found or opened; retry")


def _insert(conn: AsyncConnection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table)


# Flushing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedNotice:
    kind: str
    message: str
    task_title: str | None
    detail: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class Group:
    """A claimed group: who it goes to, their choices, and its notices in order."""

    id: uuid.UUID
    claim: uuid.UUID
    attempts: int
    project_id: uuid.UUID
    task_id: uuid.UUID | None
    email: str
    display_name: str
    time_zone: str | None
    email_enabled: bool
    # Only a verified address is mailed: one changed since the notice was queued may not be.
    email_verified: bool
    muted: frozenset[str]
    notices: tuple[QueuedNotice, ...]


@dataclass(frozen=True)
class FlushReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


async def flush_emails(
    rt: Runtime, mailer: Mailer | None = None, *, now: datetime | None = None
) -> FlushReport:
    """Send every group whose time has come, one e-mail each, once."""
    sender = mailer or mailer_for(rt.settings)
    outcomes: list[str | None] = []
    for _ in range(FLUSH_LIMIT):
        group = await _claim_next(rt, now or utcnow())
        if group is None:
            break
        outcomes.append(await _send_group(rt, sender, group, now or utcnow()))
    return FlushReport(
        sent=outcomes.count(SENT),
        skipped=outcomes.count(SKIPPED),
        failed=outcomes.count(None) + outcomes.count(ABANDONED),
    )


async def _claim_next(rt: Runtime, now: datetime) -> Group | None:
    """Claim the oldest due group no other flush holds; it takes no more notices from now."""
    g = email_groups
    due = (
        select(g.c.id)
        .where(
            g.c.settled_at.is_(None),
            g.c.send_after <= now,
            or_(g.c.claimed_until.is_(None), g.c.claimed_until < now),
        )
        .order_by(g.c.send_after)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    claim = uuid.uuid4()
    async with transaction(rt.engine) as conn:
        group_id = await conn.scalar(due)
        if group_id is None:
            return None
        await conn.execute(
            update(g)
            .where(g.c.id == group_id)
            .values(
                closed_at=func.coalesce(g.c.closed_at, now),
                claim=claim,
                claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                attempts=g.c.attempts + 1,
            )
        )
        return await _load(conn, group_id, claim)


async def _load(conn: AsyncConnection, group_id: uuid.UUID, claim: uuid.UUID) -> Group:
    g, p = email_groups, notification_preferences
    row = (
        await conn.execute(
            select(
                g.c.attempts,
                g.c.project_id,
                g.c.task_id,
                users.c.email,
                users.c.display_name,
                users.c.time_zone,
                users.c.email_verified_at,
                p.c.email_enabled,
                p.c.email_muted_kinds,
            )
            .join(users, users.c.id == g.c.user_id)
            .outerjoin(p, p.c.user_id == g.c.user_id)
            .where(g.c.id == group_id)
        )
    ).one()
    notices = await conn.execute(
        select(
            email_notices.c.kind,
            email_notices.c.message,
            email_notices.c.task_title,
            email_notices.c.detail,
            email_notices.c.occurred_at,
        )
        .where(email_notices.c.group_id == group_id)
        .order_by(email_notices.c.occurred_at, email_notices.c.id)
    )
    return Group(
        id=group_id,
        claim=claim,
        attempts=row.attempts,
        project_id=row.project_id,
        task_id=row.task_id,
        email=row.email,
        display_name=row.display_name,
        time_zone=row.time_zone,
        email_enabled=bool(row.email_enabled),
        email_verified=row.email_verified_at is not None,
        muted=frozenset(row.email_muted_kinds or ()),
        notices=tuple(QueuedNotice(*n) for n in notices),
    )


async def _send_group(rt: Runtime, sender: Mailer, group: Group, now: datetime) -> str | None:
    """Send one claimed group and settle it; None when it waits for another try."""
    notices = [n for n in group.notices if n.kind not in group.muted]
    if not group.email_enabled or not group.email_verified or not notices:
        # E-mail or these kinds turned off meanwhile, or the address changed and is unverified.
        await _settle(rt, group, SKIPPED, now)
        return SKIPPED
    try:
        await sender.send(compose(rt.settings, group, notices))
    except MailRejected as exc:
        log.warning("mail of group %s refused for good: %s", group.id, exc)
        await _settle(rt, group, REJECTED, now)
        return REJECTED
    except Exception as exc:
        if group.attempts >= MAX_ATTEMPTS:
            log.error("mail of group %s failed %d times; given up: %s", group.id, MAX_ATTEMPTS, exc)
            await _settle(rt, group, ABANDONED, now)
            return ABANDONED
        log.warning("mail of group %s failed (try %d): %s", group.id, group.attempts, exc)
        await _release(rt, group, now)
        return None
    await _settle(rt, group, SENT, now)
    return SENT


async def _settle(rt: Runtime, group: Group, outcome: str, now: datetime) -> None:
    async with transaction(rt.engine) as conn:
        await conn.execute(
            update(email_groups)
            .where(email_groups.c.id == group.id, email_groups.c.claim == group.claim)
            .values(settled_at=now, outcome=outcome, claim=None, claimed_until=None)
        )


async def _release(rt: Runtime, group: Group, now: datetime) -> None:
    """Let a later flush try again, after a backoff that doubles with each try."""
    wait = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (group.attempts - 1))
    async with transaction(rt.engine) as conn:
        await conn.execute(
            update(email_groups)
            .where(email_groups.c.id == group.id, email_groups.c.claim == group.claim)
            .values(send_after=now + timedelta(seconds=wait), claim=None, claimed_until=None)
        )


# Writing ------------------------------------------------------------------------------------


def compose(settings: Settings, group: Group, notices: Collection[QueuedNotice]) -> Mail:
    """One e-mail for a group: the subject names the task (a lone notice: its own words); the
    body lists each notice in order with its time in the reader's zone, and a link."""
    ordered = list(notices)
    title = next((n.task_title for n in reversed(ordered) if n.task_title), None)
    if len(ordered) == 1 or title is None:
        headline = _one_line(ordered[0].message)
    else:
        headline = f"{len(ordered)} updates to “{_one_line(title)}”"
    subject = f"TaskFlow: {headline}"
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1] + "…"
    name = _one_line(group.display_name)
    zone_name = group.time_zone
    what = f"“{_one_line(title)}”" if title else "your projects"
    intro = f"What happened to {what} (times in {zone_label(zone_name)}):"
    link = _link(settings, group, ordered)
    settings_link = settings.public_url.rstrip("/") + "/settings/notifications"
    footer = "You get this e-mail because you turned on e-mail notifications in TaskFlow."
    lines = [f"Hi {name},", "", intro, ""]
    items = []
    for notice in ordered:
        when = day_and_clock(notice.occurred_at, zone_name)
        lines.append(f"- {when}: {notice.message}")
        if notice.detail:
            lines += ["", *(f"    {line}".rstrip() for line in notice.detail.splitlines()), ""]
        items.append(_html_item(when, notice))
    lines += ["", f"Open it in TaskFlow: {link}", "", "--", footer]
    lines.append(f"Change what you receive: {settings_link}")
    text = "\n".join(lines) + "\n"
    markup = (
        '<!DOCTYPE html><html><body style="font-family: sans-serif; line-height: 1.4">'
        f"<p>Hi {html.escape(name)},</p>"
        f"<p>{html.escape(intro)}</p>"
        f"<ul>{''.join(items)}</ul>"
        f'<p><a href="{html.escape(link)}">Open it in TaskFlow</a></p>'
        f'<hr><p style="font-size: 12px; color: #555">{html.escape(footer)} '
        f'<a href="{html.escape(settings_link)}">Change what you receive</a></p>'
        "</body></html>"
    )
    to = formataddr((name, group.email))
    return Mail(to=to, subject=subject, text=text, html=markup)


def _html_item(when: str, notice: QueuedNotice) -> str:
    from functions.core.markdown import render_markdown  # the parser only where mail is written

    detail = ""
    if notice.detail:
        detail = (
            '<blockquote style="margin: 4px 0 8px; padding-left: 8px; border-left: 3px solid #ddd">'
            f"{render_markdown(notice.detail)}</blockquote>"
        )
    return (
        f'<li><span style="color: #555">{html.escape(when)}</span> '
        f"{html.escape(notice.message)}{detail}</li>"
    )


def _link(settings: Settings, group: Group, notices: Collection[QueuedNotice]) -> str:
    """The task, or its project once the task is gone (or for a notice about no task)."""
    base = settings.public_url.rstrip("/")
    if group.task_id is not None and all(n.kind != "task.deleted" for n in notices):
        return f"{base}/tasks/{group.task_id}"
    return f"{base}/projects/{group.project_id}"


def _one_line(text: str) -> str:
    # Titles and names are user text: no line breaks or controls in headers.
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())
