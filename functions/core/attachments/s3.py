"""Attachments in an S3 bucket through boto3: presigned POST forms and GET links for the
browser, HEAD and deletes for the functions.

boto3 blocks, so each call runs in a thread. Two clients: one at the endpoint the functions
reach (moto's service name in compose), one at the endpoint browsers reach, which signs the
forms and links (a presigned GET signs its host). Signing needs no network.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from functions.core.attachments.store import (
    Download,
    StoredObject,
    UploadForm,
    content_disposition,
)
from functions.core.clock import utcnow
from functions.core.errors import Unavailable
from functions.core.settings import Settings

# S3 deletes at most this many keys per request.
DELETE_BATCH: Final = 1000
# When S3 does not answer: try again in this many seconds.
RETRY_AFTER_SECONDS: Final = 5


class S3Store:
    def __init__(self, settings: Settings) -> None:
        if settings.attachments_bucket is None:
            raise ValueError("S3Store needs TASKFLOW_ATTACHMENTS_BUCKET")
        self.settings = settings
        self.bucket = settings.attachments_bucket
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    async def upload_form(
        self, key: str, content_type: str, size: int, expires_at: datetime
    ) -> UploadForm:
        seconds = _seconds_until(expires_at)
        posted = await asyncio.to_thread(
            lambda: self._presigner().generate_presigned_post(
                self.bucket,
                key,
                Fields={"Content-Type": content_type},
                # S3 refuses any other type or size: the form is for this file alone.
                Conditions=[
                    {"Content-Type": content_type},
                    ["content-length-range", size, size],
                ],
                ExpiresIn=seconds,
            )
        )
        return UploadForm(url=posted["url"], fields=dict(posted["fields"]), expires_at=expires_at)

    async def stat(self, key: str) -> StoredObject | None:
        return await asyncio.to_thread(self._stat, key)

    def _stat(self, key: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        try:
            found = self._call(self._client().head_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise
        return StoredObject(size=int(found["ContentLength"]), content_type=found.get("ContentType"))

    async def download_urls(self, downloads: Sequence[Download], expires_at: datetime) -> list[str]:
        if not downloads:
            return []
        seconds = _seconds_until(expires_at)

        def sign() -> list[str]:
            presigner = self._presigner()
            return [
                presigner.generate_presigned_url(
                    "get_object",
                    Params={
                        "Bucket": self.bucket,
                        "Key": d.key,
                        "ResponseContentType": d.content_type,
                        "ResponseContentDisposition": content_disposition(d.filename),
                    },
                    ExpiresIn=seconds,
                )
                for d in downloads
            ]

        return await asyncio.to_thread(sign)

    async def delete(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = list(keys[start : start + DELETE_BATCH])
            await asyncio.to_thread(self._delete_batch, batch)

    def _delete_batch(self, keys: list[str]) -> None:
        if not keys:
            return
        answer = self._call(
            self._client().delete_objects,
            Bucket=self.bucket,
            Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
        )
        failed = answer.get("Errors") or []
        if failed:
            first = failed[0]
            raise RuntimeError(
                f"S3 kept {len(failed)} of {len(keys)} objects: "
                f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
            )

    async def delete_prefix(self, prefix: str) -> int:
        return await asyncio.to_thread(self._delete_prefix, prefix)

    def _delete_prefix(self, prefix: str) -> int:
        deleted = 0
        paginator = self._client().get_paginator("list_objects_v2")
        pages = self._call(
            lambda: list(
                paginator.paginate(
                    Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": DELETE_BATCH}
                )
            )
        )
        for page in pages:
            keys = [item["Key"] for item in page.get("Contents", [])]
            self._delete_batch(keys)
            deleted += len(keys)
        return deleted

    def _call(self, operation: Any, /, **arguments: Any) -> Any:
        """The operation's answer; S3 unreachable or failing on its side is a 503 to retry."""
        from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

        try:
            return operation(**arguments)
        except (ConnectionError, HTTPClientError) as exc:
            raise Unavailable(
                "the file store did not answer", retry_after=RETRY_AFTER_SECONDS
            ) from exc
        except ClientError as exc:
            if _status(exc) >= 500:
                raise Unavailable(
                    "the file store is failing", retry_after=RETRY_AFTER_SECONDS
                ) from exc
            raise

    def _client(self) -> Any:
        return self._built("service", self.settings.s3_endpoint_url)

    def _presigner(self) -> Any:
        s = self.settings
        return self._built("public", s.s3_public_endpoint_url or s.s3_endpoint_url)

    def _built(self, name: str, endpoint_url: str | None) -> Any:
        with self._lock:
            if name not in self._clients:
                self._clients[name] = _new_client(self.settings, endpoint_url)
            return self._clients[name]


def _new_client(settings: Settings, endpoint_url: str | None) -> Any:
    # Imported here: no other function pays for boto3 at start-up.
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        # A bucket's own regional host (AWS); the path after the host where an endpoint is
        # given (moto and other stand-ins have no per-bucket host names).
        s3={
            "addressing_style": "path" if endpoint_url else "virtual",
            "us_east_1_regional_endpoint": "regional",
        },
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=10,
    )
    # A fresh session: boto3's default one is not safe to build clients in threads.
    return boto3.session.Session().client(
        "s3", region_name=settings.aws_region, endpoint_url=endpoint_url, config=config
    )


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _seconds_until(expires_at: datetime) -> int:
    return max(1, int((expires_at - utcnow()).total_seconds()))


def public_origin(settings: Settings) -> str | None:
    """The origin browsers upload to and download from (for the Content-Security-Policy)."""
    from urllib.parse import urlsplit

    bucket = settings.attachments_bucket
    if bucket is None:
        return None
    endpoint = settings.s3_public_endpoint_url or settings.s3_endpoint_url
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    return f"https://{bucket}.s3.{settings.aws_region}.amazonaws.com"
