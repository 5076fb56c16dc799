"""Notification preferences and webhooks on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal, get_args

from pydantic import Field, StrictBool, StringConstraints, field_validator

from events.vocabulary import NoNul
from functions.core.models.common import Patch, Public, Strict
from functions.core.models.reminders import OffsetMinutes

# What a notice is about: its event type without the `com.taskflow.` prefix.
NoticeKind = Literal[
    "task.created",
    "task.updated",
    "task.status_changed",
    "task.assigned",
    "task.deleted",
    "task.due_soon",
    # One of your own reminders on a task.
    "task.reminder",
    "comment.added",
    "project.member_added",
    # Someone wrote your name (@) in a comment or a task's description.
    "mention",
]
NOTICE_KINDS: Final[tuple[NoticeKind, ...]] = get_args(NoticeKind)
MAX_WEBHOOKS_PER_USER: Final = 10

# What the document promises of a URL: http(s), a host name or IPv4 address, no user name or
# password. Outside dev only https is taken, and only for hosts that resolve to public addresses
# (checked when the webhook is added and at every delivery): no schema can say that.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
WEBHOOK_URL_PATTERN: Final = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://{_LABEL}(?:\.{_LABEL})*\.?(?::[1-9][0-9]{{0,3}})?(?:[/?#][!-~]*)?$"
)
WebhookUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2048),
    NoNul,
    Field(json_schema_extra={"pattern": WEBHOOK_URL_PATTERN}),
]
WebhookDescription = Annotated[str, Field(max_length=200), NoNul]
# Minutes before due of each reminder a task assigned to the person starts with.
MAX_DEFAULT_REMINDERS: Final = 5
DefaultReminders = Annotated[list[OffsetMinutes], Field(max_length=MAX_DEFAULT_REMINDERS)]


class PreferencesPublic(Public):
    """Whether e-mail is sent at all, and for which kinds of notice."""

    email_enabled: bool
    email_kinds: dict[NoticeKind, bool]
    # Minutes before due: a reminder of each on every task assigned to the person with a
    # due date (unless they have reminders on it already), in ascending order.
    default_reminders: list[int]
    # None until the person first saves their preferences.
    updated_at: datetime | None = None


class PreferencesUpdate(Patch):
    """Only the fields sent change; `email_kinds` may name just the kinds to switch."""

    # Strict: 0 and 1 are not booleans in the document either.
    email_enabled: StrictBool | None = None
    email_kinds: dict[NoticeKind, StrictBool] | None = None
    # Replaces the list; repeated minutes count once.
    default_reminders: DefaultReminders | None = None

    @field_validator("default_reminders")
    @classmethod
    def _once_each(cls, minutes: list[int] | None) -> list[int] | None:
        return None if minutes is None else sorted(set(minutes))


class WebhookCreate(Strict):
    url: WebhookUrl
    description: WebhookDescription = ""


class WebhookPublic(Public):
    """A webhook as listed: never its secret."""

    id: uuid.UUID
    url: str
    description: str
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """The answer to creating a webhook: the only time its signing secret is shown."""

    secret: str


class WebhooksPublic(Public):
    items: list[WebhookPublic]


class WebhookTestResult(Public):
    """What happened when a signed test payload was sent just now."""

    delivered: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: float
