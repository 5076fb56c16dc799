"""Notification settings functions: e-mail preferences, webhooks, and the two senders.

`send_webhooks` and `send_email` each take every notifying event through a queue of their
own, so a failing webhook or mail service delays only itself, never the in-app feed
(`send_email` only queues; the scheduled `flush_emails` sends).
"""

from __future__ import annotations

from cloudevents.http import CloudEvent

from functions.core.models.preferences import (
    PreferencesPublic,
    PreferencesUpdate,
    WebhookCreate,
    WebhookCreated,
    WebhooksPublic,
    WebhookTestResult,
)
from functions.core.runtime import Runtime
from functions.core.services import mail, preferences, webhooks
from functions.edge import Call, endpoint
from functions.sink import event_sink


@endpoint(response=PreferencesPublic)
async def get_preferences(call: Call[None, None]) -> PreferencesPublic:
    """The caller's notification preferences (defaults until first saved)."""
    return await preferences.get_preferences(call.rt, call.user.user_id)


@endpoint(body=PreferencesUpdate, response=PreferencesPublic)
async def update_preferences(call: Call[PreferencesUpdate, None]) -> PreferencesPublic:
    """Turn e-mail on or off, and choose the kinds of notice it is sent for."""
    return await preferences.update_preferences(call.rt, call.user.user_id, call.body)


@endpoint(response=WebhooksPublic)
async def list_webhooks(call: Call[None, None]) -> WebhooksPublic:
    """The caller's webhooks (their secrets are shown only at creation)."""
    return await webhooks.list_webhooks(call.rt, call.user.user_id)


@endpoint(body=WebhookCreate, response=WebhookCreated, status=201)
async def add_webhook(call: Call[WebhookCreate, None]) -> WebhookCreated:
    """Register an https URL for signed notices; the answer holds its secret, once."""
    return await webhooks.add_webhook(call.rt, call.user.user_id, call.body)


@endpoint(status=204)
async def delete_webhook(call: Call[None, None]) -> None:
    """Stop sending notices to a webhook."""
    await webhooks.delete_webhook(call.rt, call.user.user_id, call.path_uuid("webhook_id"))


@endpoint(response=WebhookTestResult)
async def test_webhook(call: Call[None, None]) -> WebhookTestResult:
    """Send a signed test payload to a webhook now and report how it answered."""
    return await webhooks.test_webhook(call.rt, call.user.user_id, call.path_uuid("webhook_id"))


@event_sink
async def send_webhooks(rt: Runtime, event: CloudEvent) -> None:
    """Deliver an event's notices to the recipients' webhooks."""
    await webhooks.send_webhooks(rt, event)


@event_sink
async def send_email(rt: Runtime, event: CloudEvent) -> None:
    """Queue an event's notices for the recipients who chose e-mail; `flush_emails` sends
    what happened to one task for one person as one e-mail."""
    await mail.queue_email(rt, event)
