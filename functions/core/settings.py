"""One settings object, built once from the environment and passed in."""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from functions.core.limits import STREAM_LIMIT

Environment = Literal["dev", "test", "prod"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

ENV_PREFIX = "TASKFLOW_"
DEFAULT_DATA_DIR = Path(".taskflow")
# The web app's production build, beside the package in a checkout (the image sets its own).
DEFAULT_WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
# Settings whose values are read from the environment as JSON (lists).
_JSON_TYPES = (list, dict, set, tuple, frozenset)


def from_environment(fields: dict[str, Any]) -> dict[str, Any]:
    """Each field's `TASKFLOW_<NAME>` variable (any case) that is set; lists given as JSON.

    What pydantic-settings did for this class, without importing it (and its sources for
    dotenv files, cloud secret stores and command lines) into every function process.
    """
    variables = {name.lower(): value for name, value in os.environ.items()}
    found: dict[str, Any] = {}
    for name, field in fields.items():
        value = variables.get(f"{ENV_PREFIX}{name}".lower())
        if value is None:
            continue
        if get_origin(field.annotation) in _JSON_TYPES or field.annotation in _JSON_TYPES:
            # Not JSON: validation says what is wrong with it, naming the setting.
            with suppress(ValueError):
                value = json.loads(value)
        found[name] = value
    return found


class Settings(BaseModel):
    """TaskFlow configuration; every field reads `TASKFLOW_<NAME>` from the environment.

    Values given to the constructor win over the environment's.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**from_environment(type(self).model_fields), **values})

    env: Environment = "prod"
    data_dir: Path = DEFAULT_DATA_DIR
    web_dist: Path = DEFAULT_WEB_DIST

    # Unset URLs select the embedded stand-ins (SQLite file, in-process Redis, in-process broker).
    database_url: str | None = None
    redis_url: str | None = None
    amqp_url: str | None = None
    redis_prefix: str = "taskflow:"
    database_pool_size: int = Field(default=5, ge=1, le=100)

    # Signing key: a PEM private key (Ed25519 or RSA) or a path to one; in dev, generated.
    jwt_private_key: str | None = None
    # Extra public keys (PEM, separated by blank lines) still accepted during a key rotation.
    jwt_previous_public_keys: str = ""
    jwt_issuer: str = "taskflow"
    jwt_audience: str = "taskflow-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=900)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    # A page reloaded while its refresh was in flight never stored the new cookie and sends
    # the old token again: within this grace that is not taken for theft.
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0, le=60)

    # argon2id: OWASP's minimum profile; raise these and old hashes are upgraded at login.
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8 * 1024)
    argon2_parallelism: int = Field(default=1, ge=1)
    max_concurrent_hashes: int = Field(default=2, ge=1)

    # Per-minute budgets for the unauthenticated endpoints that guess passwords or make accounts.
    login_limit_per_account: int = Field(default=10, ge=1)
    login_limit_per_address: int = Field(default=30, ge=1)
    register_limit_per_address: int = Field(default=10, ge=1)
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    # Password reset links asked for, per client address and per e-mail address.
    password_reset_limit_per_address: int = Field(default=10, ge=1)
    password_reset_limit_per_email: int = Field(default=3, ge=1)

    allowed_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Behind a trusted proxy, the client address is the last hop it appended.
    trust_forwarded_for: bool = False
    # INFO logs one JSON line per request; WARNING keeps only problems.
    log_level: LogLevel = "INFO"

    # Where people reach TaskFlow (links in e-mails and webhook payloads).
    public_url: str = "http://localhost:8000"

    # Events: the relay publishes the outbox in batches, woken by NOTIFY or by this sweep.
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    # On Knative, Triggers subscribe through the broker: queues for the local dispatcher
    # would fill with events nobody reads.
    declare_subscriber_queues: bool = True
    relay_sweep_seconds: float = Field(default=5.0, gt=0)
    # The dispatcher (the local stand-in for Knative Triggers).
    dispatch_prefetch: int = Field(default=20, ge=1)
    # Deliveries of one event to one subscriber before it is dead-lettered (x-delivery-limit).
    delivery_limit: int = Field(default=8, ge=1)
    dispatch_timeout_seconds: float = Field(default=10.0, gt=0)
    retry_backoff_seconds: float = Field(default=0.5, gt=0)
    retry_backoff_max_seconds: float = Field(default=60.0, gt=0)
    # Where a subscriber function answers; {service} is its target with dashes
    # (deliver_notification -> deliver-notification), as compose and Knative name services.
    function_url_template: str = "http://{service}"

    # Notifications: the newest this many stay in each person's feed.
    notification_feed_size: int = Field(default=200, ge=10, le=10_000)
    stream_heartbeat_seconds: float = Field(default=15.0, gt=0)
    # Live streams one process holds; past it a new one is a 503 at once. The stream
    # function's Knative concurrency is rendered from the same number (STREAM_LIMIT).
    stream_limit: int = Field(default=STREAM_LIMIT, ge=1)
    # Entries a stream may fall behind by before it is told to refetch and closed.
    stream_buffer: int = Field(default=256, ge=1, le=100_000)
    # Team changes: each project keeps its newest this many for streams to replay after a
    # reconnect, and drops them after this long without a change; a stream that was away
    # longer than either is told to refetch.
    team_changes_kept: int = Field(default=1000, ge=10, le=100_000)
    team_changes_ttl_hours: int = Field(default=24, ge=1)
    # Redis connections a process opens at most, however many requests and streams it
    # serves; past them a command waits its turn, up to the timeout, then counts as Redis down.
    redis_max_connections: int = Field(default=16, ge=2, le=1000)
    redis_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # Dead connections: a server that stops answering (a partition, a hung server, a
    # half-open connection) is noticed by these instead of waiting forever.
    # How long a function has to answer; past it, a 503 problem (scheduled runs are exempt).
    request_timeout_seconds: float = Field(default=4.0, gt=0, le=300)
    # Opening a connection to PostgreSQL, Redis or RabbitMQ.
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # PostgreSQL's statement_timeout (0: none); the relay's own wait for a statement too.
    database_statement_timeout_seconds: float = Field(default=30.0, ge=0)
    # The wait for one Redis command's answer (no TaskFlow command blocks on the server).
    redis_command_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # TCP keepalive on every connection: probed after this long idle, every this long; one
    # whose peer answers neither three probes nor its sent data within 3x this is dropped.
    tcp_keepalive_seconds: int = Field(default=10, ge=1, le=3600)
    # AMQP heartbeats of the relay and the dispatcher: RabbitMQ silent for this plus 5 s
    # (pika's check) to twice that is a lost connection.
    amqp_heartbeat_seconds: int = Field(default=10, ge=1, le=600)
    # A connection RabbitMQ blocks (a memory or disk alarm) is closed after this long and
    # opened again; until then the relay waits for its confirms.
    amqp_blocked_timeout_seconds: float = Field(default=300.0, gt=0)
    # Due-soon: tasks due within this window are announced once; the local timer's period.
    due_soon_window_hours: int = Field(default=24, ge=1)
    due_soon_interval_seconds: float = Field(default=300.0, gt=0)
    # `taskflow prune` deletes published outbox rows older than this. Due-soon finds the
    # tasks it announced by their rows, so they must outlive the due-soon window.
    outbox_retention_hours: int = Field(default=168, ge=1)

    # E-mail through SES (moto or a local stand-in via the endpoint URL).
    mail_sender: str = "TaskFlow <notifications@taskflow.example>"
    # What happens to one task for one person within this many seconds of its first notice
    # goes out as one e-mail (flush_emails sends each group once it is this old; 0: at the
    # next flush).
    email_group_seconds: int = Field(default=120, ge=0, le=86_400)
    aws_region: str = "us-east-1"
    ses_endpoint_url: str | None = None
    # Mail is written here as .eml files (and logged) instead of sent through SES; the
    # embedded mode writes to <data dir>/mail when this is unset.
    mail_dir: Path | None = None
    # How long a mailed password reset link, and an address verification link, stay good.
    password_reset_seconds: int = Field(default=3600, ge=60, le=86_400)
    email_verification_seconds: int = Field(default=7 * 24 * 3600, ge=300, le=30 * 24 * 3600)
    # Webhooks: each delivery attempt's limit.
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=30)

    # Attachments: in this S3 bucket (None: the data directory, the embedded mode's store).
    attachments_bucket: str | None = None
    # Where the functions reach S3 (moto on a laptop), and the address browsers are given
    # for uploads and downloads when it differs (compose: the host's port of moto).
    s3_endpoint_url: str | None = None
    s3_public_endpoint_url: str | None = None
    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    attachments_per_task: int = Field(default=50, ge=1, le=10_000)
    # Media types taken (`image/*` takes every image type); anything else is a 422.
    attachment_content_types: list[str] = Field(
        default_factory=lambda: [
            "image/*",
            "text/plain",
            "text/csv",
            "text/markdown",
            "application/pdf",
            "application/zip",
            "application/json",
            "application/vnd.openxmlformats-officedocument.*",
            "application/vnd.oasis.opendocument.*",
        ]
    )
    # How long an upload form, and a download link, stay good.
    attachment_upload_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    attachment_download_seconds: int = Field(default=300, ge=10, le=7 * 24 * 3600)

    # Imports: the largest file taken (413 past it), and the most tasks one file may hold.
    import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    import_max_items: int = Field(default=5000, ge=1, le=100_000)

    # Calendar feeds: a feed's document is cached until a change to its tasks, or this long.
    calendar_cache_seconds: int = Field(default=3600, ge=0, le=86_400)

    @property
    def is_dev(self) -> bool:
        return self.env != "prod"

    @property
    def webhooks_may_reach_private_addresses(self) -> bool:
        """Only the dev mode may call http:// or loopback/private/link-local webhook URLs."""
        return self.env == "dev"

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def effective_mail_dir(self) -> Path | None:
        """Where mail is written instead of sent: None means SES. The dev mode without an SES
        endpoint (a laptop, embedded or on local servers) writes it to the data directory."""
        if self.mail_dir is not None:
            return self.mail_dir
        laptop = self.env == "dev" and self.ses_endpoint_url is None
        return self.data_dir / "mail" if self.embedded or laptop else None

    @property
    def effective_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'taskflow.db').resolve()}"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str | None) -> str | None:
        """Plain `postgresql://` (or `postgres://`) and `sqlite://` URLs get TaskFlow's drivers."""
        if url is None:
            return None
        scheme, separator, rest = url.partition("://")
        drivers = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}
        drivers["sqlite"] = "sqlite+aiosqlite"
        return f"{drivers.get(scheme, scheme)}{separator}{rest}"

    @model_validator(mode="after")
    def _outbox_outlives_the_due_soon_window(self) -> Settings:
        if self.outbox_retention_hours < self.due_soon_window_hours:
            raise ValueError(
                "TASKFLOW_OUTBOX_RETENTION_HOURS must be at least TASKFLOW_DUE_SOON_WINDOW_HOURS "
                "(due-soon remembers what it announced by the outbox rows)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> Settings:
        if self.is_dev:
            return self
        missing = [
            name
            for name, value in (
                ("TASKFLOW_DATABASE_URL", self.database_url),
                ("TASKFLOW_REDIS_URL", self.redis_url),
                ("TASKFLOW_JWT_PRIVATE_KEY", self.jwt_private_key),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                "outside dev mode TaskFlow needs real servers and keys; set "
                + ", ".join(missing)
                + " (or TASKFLOW_ENV=dev for the embedded stand-ins)"
            )
        return self
