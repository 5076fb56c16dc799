"""The route table: which function answers which path and which event, and how it scales.

Every way of running TaskFlow is rendered from this table: the FastAPI gateway, each
functions-framework process, nginx, docker compose and the Knative Services.
It imports nothing heavy, so any process can read it at start-up.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from events import types as event_types
from functions.core.limits import STREAM_LIMIT

# How a function is reached. HTTP: a public path through the gateway. EVENT: only by the
# broker (a Knative Trigger, or the local dispatcher), with the CloudEvent types it
# subscribes to. SCHEDULE: by a timer (a Knative PingSource), on a cron schedule.
HTTP: Final = "http"
EVENT: Final = "event"
SCHEDULE: Final = "schedule"


# The scopes of personal access tokens (functions.core.models.personal_tokens.Scope).
_TASKS_READ: Final = "tasks:read"
_TASKS_WRITE: Final = "tasks:write"
_PROJECTS_READ: Final = "projects:read"
_PROJECTS_WRITE: Final = "projects:write"
_EVENTS_WRITE: Final = "events:write"
_NOTIFICATIONS_READ: Final = "notifications:read"
SCOPES: Final = (
    _TASKS_READ,
    _TASKS_WRITE,
    _PROJECTS_READ,
    _PROJECTS_WRITE,
    _EVENTS_WRITE,
    _NOTIFICATIONS_READ,
)
# A route only a signed-in session may use, never a personal access token.
_SESSION_ONLY: Final = None
NO_SCOPE_DECISION: Final = ""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    target: str
    module: str
    trigger: str = HTTP
    subscribes: tuple[str, ...] = ()
    schedule: str | None = None
    # Knative autoscaling hints: scale to zero unless a route needs a warm instance.
    min_scale: int = 0
    max_scale: int = 10
    target_concurrency: int = 100
    scale_down_delay: str | None = None
    # Takes a file as its body (up to TASKFLOW_ATTACHMENT_MAX_BYTES, not the JSON limit), as
    # fast as the client sends it: no request timeout, and nginx lets such a body through.
    takes_file: bool = False
    # What a personal access token must hold to use this route: one of SCOPES, or None for a
    # route a token may not use at all (sessions only). Left undecided (NO_SCOPE_DECISION),
    # tokens are refused too; tests/unit/test_routes.py requires a decision on every
    # authenticated public route.
    scope: str | None = NO_SCOPE_DECISION

    @property
    def public(self) -> bool:
        """Mounted on the gateway; event and schedule targets are reached only internally."""
        return self.trigger == HTTP

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.path)

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


@cache
def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(
        r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    )
    return re.compile(regex)


_AUTH = "functions.auth"
_KEYS = "functions.jwks"
_PROJECTS = "functions.projects"
_TASKS = "functions.tasks"
_COMMENTS = "functions.comments"
_WATCHERS = "functions.watchers"
_HEALTH = "functions.health"
_NOTIFICATIONS = "functions.notifications"
_NOTIFICATION_SETTINGS = "functions.notification_settings"
_EVENTS = "functions.events_api"
_EVENT_SCHEMAS = "functions.event_schemas"
_SCHEDULED = "functions.scheduled"
_TEAM = "functions.team"
_ACTIVITY = "functions.activity"
_RELATIONS = "functions.relations"
_ATTACHMENTS = "functions.attachments"
_REMINDERS = "functions.reminders"
_CALENDAR = "functions.calendar_feeds"
_ACCOUNT_MAIL = "functions.account_mail"
_IMPORTS = "functions.imports"
_EXPORTS = "functions.exports"
# Keep an instance around where a cold start sits in front of a person.
_WARM = "5m"
# Targets whose answer is a download of any size, streamed as it is read: nginx does not
# spool it to disk, and Knative gives it the long timeout of a stream.
DOWNLOAD_TARGETS: Final = frozenset({"export_project"})
ROUTES: Final[tuple[Route, ...]] = (
    Route("GET", "/healthz", "healthz", _HEALTH),
    Route("POST", "/api/auth/register", "register", _AUTH),
    Route("POST", "/api/auth/login", "login", _AUTH, scale_down_delay=_WARM),
    Route("POST", "/api/auth/refresh", "refresh", _AUTH, scale_down_delay=_WARM),
    Route("POST", "/api/auth/logout", "logout", _AUTH, scope=_SESSION_ONLY),
    Route("GET", "/api/auth/me", "get_me", _AUTH, scope=_SESSION_ONLY),
    Route("PATCH", "/api/auth/me", "update_me", _AUTH, scope=_SESSION_ONLY),
    Route("POST", "/api/auth/password", "change_password", _AUTH, scope=_SESSION_ONLY),
    Route("POST", "/api/auth/password-reset", "request_password_reset", _ACCOUNT_MAIL),
    Route("POST", "/api/auth/password-reset/complete", "complete_password_reset", _ACCOUNT_MAIL),
    Route("POST", "/api/auth/verify-email", "verify_email", _ACCOUNT_MAIL),
    Route(
        "POST",
        "/api/auth/verify-email/resend",
        "resend_verification",
        _ACCOUNT_MAIL,
        scope=_SESSION_ONLY,
    ),
    Route("POST", "/api/auth/tokens", "create_personal_token", _AUTH, scope=_SESSION_ONLY),
    Route("GET", "/api/auth/tokens", "list_personal_tokens", _AUTH, scope=_SESSION_ONLY),
    Route(
        "DELETE",
        "/api/auth/tokens/{token_id}",
        "revoke_personal_token",
        _AUTH,
        scope=_SESSION_ONLY,
    ),
    Route("GET", "/api/auth/jwks", "jwks", _KEYS),
    Route("GET", "/.well-known/jwks.json", "jwks", _KEYS),
    Route("POST", "/api/projects", "create_project", _PROJECTS, scope=_PROJECTS_WRITE),
    Route(
        "GET",
        "/api/projects",
        "list_projects",
        _PROJECTS,
        scale_down_delay=_WARM,
        scope=_PROJECTS_READ,
    ),
    Route("GET", "/api/projects/{project_id}", "get_project", _PROJECTS, scope=_PROJECTS_READ),
    Route(
        "POST",
        "/api/projects/import",
        "import_project",
        _IMPORTS,
        takes_file=True,
        scope=_PROJECTS_WRITE,
    ),
    Route("GET", "/api/imports", "list_imports", _IMPORTS, scope=_PROJECTS_READ),
    Route("GET", "/api/imports/{import_id}", "get_import", _IMPORTS, scope=_PROJECTS_READ),
    Route(
        "GET",
        "/api/projects/{project_id}/export",
        "export_project",
        _EXPORTS,
        scope=_PROJECTS_READ,
    ),
    Route(
        "PATCH", "/api/projects/{project_id}", "update_project", _PROJECTS, scope=_PROJECTS_WRITE
    ),
    Route(
        "DELETE", "/api/projects/{project_id}", "delete_project", _PROJECTS, scope=_PROJECTS_WRITE
    ),
    Route(
        "GET",
        "/api/projects/{project_id}/subscription",
        "get_subscription",
        _PROJECTS,
        scope=_PROJECTS_READ,
    ),
    Route(
        "PUT",
        "/api/projects/{project_id}/subscription",
        "update_subscription",
        _PROJECTS,
        scope=_PROJECTS_WRITE,
    ),
    Route(
        "GET", "/api/projects/{project_id}/members", "list_members", _PROJECTS, scope=_PROJECTS_READ
    ),
    Route(
        "POST", "/api/projects/{project_id}/members", "add_member", _PROJECTS, scope=_PROJECTS_WRITE
    ),
    Route(
        "PATCH",
        "/api/projects/{project_id}/members/{user_id}",
        "change_member_role",
        _PROJECTS,
        scope=_PROJECTS_WRITE,
    ),
    Route(
        "DELETE",
        "/api/projects/{project_id}/members/{user_id}",
        "remove_member",
        _PROJECTS,
        scope=_PROJECTS_WRITE,
    ),
    Route("POST", "/api/tasks", "create_task", _TASKS, scope=_TASKS_WRITE),
    Route("GET", "/api/tasks", "list_tasks", _TASKS, scale_down_delay=_WARM, scope=_TASKS_READ),
    Route("GET", "/api/tasks/stats", "task_stats", _TASKS, scope=_TASKS_READ),
    Route("POST", "/api/tasks/bulk", "bulk_update_tasks", _TASKS, scope=_TASKS_WRITE),
    Route("GET", "/api/tasks/{task_id}", "get_task", _TASKS, scope=_TASKS_READ),
    Route("PATCH", "/api/tasks/{task_id}", "update_task", _TASKS, scope=_TASKS_WRITE),
    Route("DELETE", "/api/tasks/{task_id}", "delete_task", _TASKS, scope=_TASKS_WRITE),
    Route("GET", "/api/tasks/{task_id}/comments", "list_comments", _COMMENTS, scope=_TASKS_READ),
    Route("POST", "/api/tasks/{task_id}/comments", "add_comment", _COMMENTS, scope=_TASKS_WRITE),
    Route(
        "PATCH",
        "/api/tasks/{task_id}/comments/{comment_id}",
        "update_comment",
        _COMMENTS,
        scope=_TASKS_WRITE,
    ),
    Route(
        "DELETE",
        "/api/tasks/{task_id}/comments/{comment_id}",
        "delete_comment",
        _COMMENTS,
        scope=_TASKS_WRITE,
    ),
    Route("GET", "/api/tasks/{task_id}/watchers", "list_watchers", _WATCHERS, scope=_TASKS_READ),
    Route("PUT", "/api/tasks/{task_id}/watchers/me", "watch_task", _WATCHERS, scope=_TASKS_WRITE),
    Route(
        "DELETE", "/api/tasks/{task_id}/watchers/me", "unwatch_task", _WATCHERS, scope=_TASKS_WRITE
    ),
    Route("GET", "/api/tasks/{task_id}/relations", "list_relations", _RELATIONS, scope=_TASKS_READ),
    Route("POST", "/api/tasks/{task_id}/relations", "add_relation", _RELATIONS, scope=_TASKS_WRITE),
    Route(
        "DELETE",
        "/api/tasks/{task_id}/relations/{relation_id}",
        "remove_relation",
        _RELATIONS,
        scope=_TASKS_WRITE,
    ),
    Route(
        "GET",
        "/api/tasks/{task_id}/attachments",
        "list_attachments",
        _ATTACHMENTS,
        scope=_TASKS_READ,
    ),
    Route(
        "POST",
        "/api/tasks/{task_id}/attachments",
        "create_attachment",
        _ATTACHMENTS,
        scope=_TASKS_WRITE,
    ),
    Route(
        "POST",
        "/api/attachments/{attachment_id}/complete",
        "complete_attachment",
        _ATTACHMENTS,
        scope=_TASKS_WRITE,
    ),
    Route(
        "DELETE",
        "/api/attachments/{attachment_id}",
        "delete_attachment",
        _ATTACHMENTS,
        scope=_TASKS_WRITE,
    ),
    # The embedded mode's stand-ins for S3's presigned POST and GET (signed, no token).
    Route("POST", "/api/attachments/upload", "upload_attachment", _ATTACHMENTS, takes_file=True),
    Route("GET", "/api/attachments/files/{token}", "download_attachment", _ATTACHMENTS),
    Route("GET", "/api/tasks/{task_id}/reminders", "list_reminders", _REMINDERS, scope=_TASKS_READ),
    Route("POST", "/api/tasks/{task_id}/reminders", "add_reminder", _REMINDERS, scope=_TASKS_WRITE),
    Route(
        "DELETE",
        "/api/tasks/{task_id}/reminders/{reminder_id}",
        "delete_reminder",
        _REMINDERS,
        scope=_TASKS_WRITE,
    ),
    Route("GET", "/api/calendar/feeds", "list_calendar_feeds", _CALENDAR, scope=_SESSION_ONLY),
    Route("POST", "/api/calendar/feeds", "create_calendar_feed", _CALENDAR, scope=_SESSION_ONLY),
    Route(
        "DELETE",
        "/api/calendar/feeds/{feed_id}",
        "revoke_calendar_feed",
        _CALENDAR,
        scope=_SESSION_ONLY,
    ),
    # The feed itself: its secret is in the path, for calendar apps that send no token.
    Route("GET", "/api/calendar/ical/{token}", "calendar_feed", _CALENDAR),
    Route("GET", "/api/tasks/{task_id}/activity", "task_activity", _ACTIVITY, scope=_TASKS_READ),
    Route(
        "GET",
        "/api/projects/{project_id}/activity",
        "project_activity",
        _ACTIVITY,
        scope=_TASKS_READ,
    ),
    Route(
        "GET", "/api/notifications", "list_notifications", _NOTIFICATIONS, scope=_NOTIFICATIONS_READ
    ),
    Route(
        "GET",
        "/api/notifications/unread-count",
        "unread_count",
        _NOTIFICATIONS,
        scope=_NOTIFICATIONS_READ,
    ),
    Route(
        "POST",
        "/api/notifications/read",
        "mark_notifications_read",
        _NOTIFICATIONS,
        scope=_NOTIFICATIONS_READ,
    ),
    # The live stream holds connections open: a warm instance, and many streams each.
    Route(
        "GET",
        "/api/notifications/stream",
        "notification_stream",
        _NOTIFICATIONS,
        min_scale=1,
        target_concurrency=STREAM_LIMIT,
        scope=_NOTIFICATIONS_READ,
    ),
    Route(
        "GET",
        "/api/notifications/preferences",
        "get_preferences",
        _NOTIFICATION_SETTINGS,
        scope=_SESSION_ONLY,
    ),
    Route(
        "PUT",
        "/api/notifications/preferences",
        "update_preferences",
        _NOTIFICATION_SETTINGS,
        scope=_SESSION_ONLY,
    ),
    Route(
        "GET",
        "/api/notifications/webhooks",
        "list_webhooks",
        _NOTIFICATION_SETTINGS,
        scope=_SESSION_ONLY,
    ),
    Route(
        "POST",
        "/api/notifications/webhooks",
        "add_webhook",
        _NOTIFICATION_SETTINGS,
        scope=_SESSION_ONLY,
    ),
    Route(
        "DELETE",
        "/api/notifications/webhooks/{webhook_id}",
        "delete_webhook",
        _NOTIFICATION_SETTINGS,
        scope=_SESSION_ONLY,
    ),
    Route(
        "POST",
        "/api/notifications/webhooks/{webhook_id}/test",
        "test_webhook",
        _NOTIFICATION_SETTINGS,
        scope=_SESSION_ONLY,
    ),
    Route("POST", "/api/events", "receive_event", _EVENTS, scope=_EVENTS_WRITE),
    Route("GET", "/api/events/schemas/{event_type}", "get_event_schema", _EVENT_SCHEMAS),
    # Subscribers: each gets its own queue (its own Knative Trigger) for these types.
    Route(
        "POST",
        "/events/deliver-notification",
        "deliver_notification",
        _NOTIFICATIONS,
        trigger=EVENT,
        subscribes=event_types.NOTIFYING_TYPES,
    ),
    Route(
        "POST",
        "/events/send-webhooks",
        "send_webhooks",
        _NOTIFICATION_SETTINGS,
        trigger=EVENT,
        subscribes=event_types.NOTIFYING_TYPES,
    ),
    Route(
        "POST",
        "/events/send-email",
        "send_email",
        _NOTIFICATION_SETTINGS,
        trigger=EVENT,
        subscribes=event_types.NOTIFYING_TYPES,
    ),
    Route(
        "POST",
        "/events/publish-change",
        "publish_change",
        _TEAM,
        trigger=EVENT,
        subscribes=event_types.TEAM_CHANGE_TYPES,
    ),
    Route(
        "POST",
        "/events/record-activity",
        "record_activity",
        _ACTIVITY,
        trigger=EVENT,
        subscribes=event_types.TASK_HISTORY_TYPES,
    ),
    Route(
        "POST",
        "/events/delete-attachment-objects",
        "delete_attachment_objects",
        _ATTACHMENTS,
        trigger=EVENT,
        subscribes=(
            event_types.ATTACHMENT_DELETED,
            event_types.TASK_DELETED,
            event_types.PROJECT_DELETED,
        ),
    ),
    Route(
        "POST",
        "/events/refresh-calendars",
        "refresh_calendars",
        _CALENDAR,
        trigger=EVENT,
        subscribes=event_types.TEAM_CHANGE_TYPES,
    ),
    Route(
        "POST",
        "/events/send-account-mail",
        "send_account_mail",
        _ACCOUNT_MAIL,
        trigger=EVENT,
        subscribes=event_types.ACCOUNT_MAIL_TYPES,
    ),
    Route(
        "POST",
        "/events/run-import",
        "run_import",
        _IMPORTS,
        trigger=EVENT,
        subscribes=(event_types.PROJECT_IMPORT_REQUESTED,),
    ),
    Route(
        "POST",
        "/schedule/reminders",
        "emit_reminders",
        _SCHEDULED,
        trigger=SCHEDULE,
        schedule="* * * * *",
    ),
    Route(
        "POST",
        "/schedule/attachment-sweep",
        "sweep_attachments",
        _SCHEDULED,
        trigger=SCHEDULE,
        schedule="*/15 * * * *",
    ),
    Route(
        "POST",
        "/schedule/due-soon",
        "emit_due_soon",
        _SCHEDULED,
        trigger=SCHEDULE,
        schedule="*/5 * * * *",
    ),
    Route(
        "POST",
        "/schedule/flush-emails",
        "flush_emails",
        _SCHEDULED,
        trigger=SCHEDULE,
        schedule="* * * * *",
    ),
)


def methods_at(path: str) -> tuple[str, ...]:
    """The methods a public path takes. A literal path (`/api/tasks/bulk`) takes only its own:
    the templates it would also match (`/api/tasks/{task_id}`) do not answer it."""
    public = [r for r in ROUTES if r.public]
    literal = {r.method for r in public if r.path == path}
    return tuple(sorted(literal or {r.method for r in public if r.match(path) is not None}))


def shadowed(path: str, target: str) -> bool:
    """Whether `path` is another target's literal path, which `target`'s template only seems
    to match (`PATCH /api/tasks/bulk` is not an update of a task named "bulk")."""
    if path not in _literal_paths():
        return False
    own = routes_for(target)
    return all(r.path != path for r in own) and any(r.match(path) is not None for r in own)


@cache
def _literal_paths() -> frozenset[str]:
    return frozenset(r.path for r in ROUTES if r.public and "{" not in r.path)


def subscriptions() -> dict[str, tuple[str, ...]]:
    """Each event-triggered target and the CloudEvent types it takes."""
    return {r.target: r.subscribes for r in ROUTES if r.trigger == EVENT}


def routes_for(target: str) -> tuple[Route, ...]:
    return tuple(r for r in ROUTES if r.target == target)


def targets() -> dict[str, str]:
    """Each target's name and the module that defines it."""
    return {r.target: r.module for r in ROUTES}


def load_target(target: str) -> Callable[..., Any]:
    """Import only the module that defines `target` (a function imports what it uses)."""
    module = targets().get(target)
    if module is None:
        raise AttributeError(f"no TaskFlow function named {target!r}")
    function: Callable[..., Any] = getattr(importlib.import_module(module), target)
    return function
