"""Webhooks: signed HTTP callbacks people register to hear of their notices elsewhere.

Rules in one place:
- a person has at most MAX_WEBHOOKS_PER_USER webhooks, and sees and deletes only theirs
  (anyone else's is not found);
- a URL is https without userinfo, and each of its host's addresses is public: outside
  the dev mode TaskFlow never calls into its own network (SSRF). The host is resolved
  once per attempt, every address vetted, and the connection made to a vetted address
  with the original Host header and TLS name, so a second lookup cannot swap it for an
  internal one (DNS rebinding): see safe_http;
- redirects are not followed (a 3xx is a failure), and an attempt is bounded in time;
- each delivery is signed as Standard Webhooks describes (webhook-id, webhook-timestamp,
  webhook-signature) with the webhook's secret, shown to its owner only at creation;
- each delivery of an event to a webhook is claimed in Redis while it is attempted and
  remembered for a week once it succeeded, so neither a redelivery of the event nor one
  overlapping an attempt still under way sends it to a webhook twice (delivery_claims).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from cloudevents.http import CloudEvent
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core import kv
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import Conflict, DeliveryFailed, InvalidInput, NotFound
from functions.core.models.preferences import (
    MAX_WEBHOOKS_PER_USER,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPublic,
    WebhookTestResult,
)
from functions.core.runtime import Runtime
from functions.core.services.delivery_claims import (
    CLAIMED,
    SENT,
    claim_delivery,
    event_digest,
    settle_delivery,
)
from functions.core.services.recipients import Notice, notice_link, notices_for
from functions.core.services.safe_http import (
    AddressRefused,
    Unresolvable,
    http_client,
    post_pinned,
    vet,
)
from functions.core.settings import Settings
from functions.core.tables import users, webhooks

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("taskflow.webhooks")

TEST_TYPE: Final = "com.taskflow.webhook.test"
SECRET_PREFIX: Final = "whsec_"
CONCURRENT_DELIVERIES: Final = 10
USER_AGENT: Final = "TaskFlow-Webhooks/1.0"
_Result = Literal["delivered", "failed", "refused"]
DELIVERED: Final = "delivered"
FAILED: Final = "failed"
REFUSED: Final = "refused"
CLAIM_MARGIN_SECONDS: Final = 5


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class _Hook:
    id: uuid.UUID
    user_id: uuid.UUID
    url: str
    secret: str


# --- Managing webhooks -----------------------------------------------------------------


async def add_webhook(rt: Runtime, user_id: uuid.UUID, request: WebhookCreate) -> WebhookCreated:
    """Register a URL (vetted now, and again at every delivery) with a new signing secret."""
    # Vetted before the transaction: no connection is held while the host resolves.
    try:
        await vet(rt.settings, request.url)
    except Unresolvable as exc:
        raise InvalidInput(str(exc)) from exc
    async with transaction(rt.engine) as conn:
        # The user's row is the lock that keeps two concurrent adds from passing the cap together.
        await conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
        count = await conn.scalar(
            select(func.count()).select_from(webhooks).where(webhooks.c.user_id == user_id)
        )
        if (count or 0) >= MAX_WEBHOOKS_PER_USER:
            raise Conflict(f"a person may have {MAX_WEBHOOKS_PER_USER} webhooks: delete one first")
        created = WebhookCreated(
            id=uuid.uuid4(),
            url=request.url,
            description=request.description,
            created_at=utcnow(),
            secret=SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode(),
        )
        await conn.execute(insert(webhooks).values(user_id=user_id, **created.model_dump()))
    return created


async def list_webhooks(rt: Runtime, user_id: uuid.UUID) -> WebhooksPublic:
    """The caller's webhooks, oldest first, without their secrets."""
    async with reading(rt.engine) as conn:
        rows = (
            await conn.execute(
                select(webhooks.c.id, webhooks.c.url, webhooks.c.description, webhooks.c.created_at)
                .where(webhooks.c.user_id == user_id)
                .order_by(webhooks.c.created_at, webhooks.c.id)
            )
        ).all()
    return WebhooksPublic(items=[WebhookPublic.model_validate(row) for row in rows])


async def delete_webhook(rt: Runtime, user_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    """Stop sending to one of the caller's webhooks; anyone else's is not found."""
    async with transaction(rt.engine) as conn:
        deleted = await conn.execute(
            delete(webhooks).where(webhooks.c.id == webhook_id).where(webhooks.c.user_id == user_id)
        )
        if not deleted.rowcount:
            raise NotFound("no such webhook")


async def test_webhook(rt: Runtime, user_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookTestResult:
    """Send a signed test payload to one of the caller's webhooks now, and say what happened."""
    settings = rt.settings
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(webhooks.c.id, webhooks.c.user_id, webhooks.c.url, webhooks.c.secret)
                .where(webhooks.c.id == webhook_id)
                .where(webhooks.c.user_id == user_id)
            )
        ).first()
    if row is None:
        raise NotFound("no such webhook")
    hook = _Hook(row.id, row.user_id, row.url, row.secret)
    data = {
        "message": "This is a test delivery from TaskFlow.",
        "webhook_id": str(hook.id),
        "link": settings.public_url.rstrip("/") + "/settings/notifications",
    }
    payload = _payload(TEST_TYPE, utcnow(), data)
    async with http_client(settings) as client:
        try:
            outcome = await _attempt(
                client, settings, hook, f"msg_test_{uuid.uuid4().hex}", payload
            )
        except Unresolvable as exc:
            outcome = Outcome(None, str(exc), 0.0)
    return WebhookTestResult(
        delivered=outcome.delivered,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )


# --- Delivering notices ----------------------------------------------------------------


async def send_webhooks(rt: Runtime, event: CloudEvent) -> None:
    """Deliver each recipient's notice of `event` to each of their webhooks not yet reached.

    Raises DeliveryFailed if any delivery may succeed later; a refused URL is logged and
    skipped (no retry can cure it).
    """
    settings, redis = rt.settings, rt.redis
    async with reading(rt.engine) as conn:
        notices = await notices_for(conn, event)
        hooks = await _hooks_of(conn, [n.user_id for n in notices])
    due = [(notice, hook) for notice in notices for hook in hooks if hook.user_id == notice.user_id]
    if not due:
        return
    limit = asyncio.Semaphore(CONCURRENT_DELIVERIES)
    # A claim outlives one attempt (bounded by the timeout) with room for Redis and signing.
    claim_seconds = math.ceil(settings.webhook_timeout_seconds) + CLAIM_MARGIN_SECONDS
    async with http_client(settings) as client:

        async def deliver(notice: Notice, hook: _Hook) -> _Result:
            key = delivery_key(settings, notice, hook.id)
            async with limit:
                claim = await claim_delivery(redis, key, claim_seconds)
                if claim != CLAIMED:
                    # Taken before (done), or being sent by an overlapping redelivery (the
                    # dispatcher gave up waiting): that one settles it, a later retry sees it.
                    return DELIVERED if claim == SENT else FAILED
                result = await _deliver_notice(client, settings, event["type"], notice, hook)
                await settle_delivery(redis, key, delivered=result == DELIVERED)
            return result

        results = await asyncio.gather(*(deliver(notice, hook) for notice, hook in due))
    failed = results.count(FAILED)
    if failed:
        raise DeliveryFailed(f"{failed} of {len(due)} webhook deliveries failed; retry later")


def delivery_key(settings: Settings, notice: Notice, webhook_id: uuid.UUID) -> str:
    """The Redis key of this event's delivery to this webhook (source and id hashed: any text)."""
    return kv.key(settings, "webhook-delivery", event_digest(notice), str(webhook_id))


def message_id(notice: Notice) -> str:
    """The same on every attempt, so a receiver can tell a retry from a new message."""
    return f"msg_{event_digest(notice)}_{notice.user_id.hex}"


def notice_data(settings: Settings, notice: Notice) -> dict[str, Any]:
    """What a webhook is told about a notice."""
    return {
        "kind": notice.kind,
        "message": notice.message,
        "task_id": str(notice.task_id) if notice.task_id else None,
        "project_id": str(notice.project_id),
        "actor_id": str(notice.actor_id) if notice.actor_id else None,
        "event_id": notice.event_id,
        "event_source": notice.event_source,
        "link": notice_link(settings, notice),
    }


async def _deliver_notice(
    client: httpx.AsyncClient, settings: Settings, event_type: str, notice: Notice, hook: _Hook
) -> _Result:
    """Delivered; failed (worth another attempt); or refused (never: logged, not retried)."""
    payload = _payload(event_type, notice.time, notice_data(settings, notice))
    try:
        outcome = await _attempt(client, settings, hook, message_id(notice), payload)
    except AddressRefused as exc:
        log.warning("webhook %s skipped: %s", hook.id, exc.detail)
        return REFUSED
    except Unresolvable as exc:
        outcome = Outcome(None, str(exc), 0.0)
    if not outcome.delivered:
        log.warning(
            "webhook %s failed: %s",
            hook.id,
            outcome.error or f"answered {outcome.status_code}",
            extra={"fields": {"webhook_id": str(hook.id), "status": outcome.status_code}},
        )
    return DELIVERED if outcome.delivered else FAILED


def _payload(event_type: str, at: datetime, data: dict[str, Any]) -> str:
    document = {"type": event_type, "timestamp": at.isoformat(), "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


async def _hooks_of(conn: AsyncConnection, user_ids: Sequence[uuid.UUID]) -> list[_Hook]:
    if not user_ids:
        return []
    rows = await conn.execute(
        select(webhooks.c.id, webhooks.c.user_id, webhooks.c.url, webhooks.c.secret)
        .where(webhooks.c.user_id.in_(list(user_ids)))
        .order_by(webhooks.c.created_at, webhooks.c.id)
    )
    return [_Hook(row.id, row.user_id, row.url, row.secret) for row in rows]


# --- One signed attempt, to a vetted address -------------------------------------------


async def _attempt(
    client: httpx.AsyncClient, settings: Settings, hook: _Hook, message_id: str, payload: str
) -> Outcome:
    """POST `payload` once, signed; AddressRefused or Unresolvable before any connection."""
    import httpx
    from standardwebhooks import Webhook

    started = time.perf_counter()
    try:
        # One budget for the lookup, the connection and the answer.
        async with asyncio.timeout(settings.webhook_timeout_seconds):
            target = await vet(settings, hook.url)
            now = datetime.now(UTC)
            headers = {
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "webhook-id": message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": Webhook(hook.secret).sign(message_id, now, payload),
            }
            status = await post_pinned(client, target, headers, payload.encode())
    except TimeoutError:
        error = f"no answer within {settings.webhook_timeout_seconds:g} s"
        return Outcome(None, error, _since(started))
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}".rstrip(": "), _since(started))
    if 300 <= status < 400:
        return Outcome(status, "redirects are not followed", _since(started))
    return Outcome(status, None, _since(started))


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
