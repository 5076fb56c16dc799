"""The embedded mode's attachment store: files in the data directory, uploaded and downloaded
through TaskFlow itself with forms and links signed the way S3 signs its own.

An upload form has S3's shape: `key`, `Content-Type`, `policy` (base64 JSON: when it expires
and the conditions the upload must meet) and `signature` (HMAC-SHA256 of the policy). A
download link carries a token: the object, the name and type to serve it with and when it
expires, signed with the same key. The key is made once and kept in the data directory,
which every process serving this store shares (it holds the files too).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from functions.core.attachments.store import Download, StoredObject, UploadForm
from functions.core.clock import utcnow
from functions.core.errors import DomainError, Forbidden, NotFound
from functions.core.settings import Settings

FILES_DIR: Final = "attachments"
SIGNING_KEY_FILE: Final = "attachment-signing-key"
UPLOAD_PATH: Final = "/api/attachments/upload"
DOWNLOAD_PATH: Final = "/api/attachments/files/"
# The fields of an upload form, besides the file.
FORM_FIELDS: Final = ("key", "Content-Type", "policy", "signature")
# What an upload's body holds beside the file: the fields and the multipart framing.
UPLOAD_OVERHEAD: Final = 64 * 1024
# What a policy's and a token's signature says it is for: one cannot pass for the other.
_UPLOAD: Final = b"upload\n"
_DOWNLOAD: Final = b"download\n"
_UUID: Final = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_OBJECT_KEY: Final = re.compile(rf"{_UUID}/{_UUID}/{_UUID}")
_PREFIX: Final = re.compile(rf"{_UUID}/({_UUID}/)?")
# Copying an upload into place, a chunk at a time.
_CHUNK: Final = 1024 * 1024


class UploadRefused(DomainError):
    """The file does not meet its form's policy (S3 answers these 400 too)."""

    status = 400
    title = "Bad request"


@dataclass(frozen=True)
class StoredFile:
    """A file a download link names, to be served with its name and type."""

    path: Path
    filename: str
    content_type: str
    size: int


class LocalStore:
    def __init__(self, settings: Settings) -> None:
        self.root = settings.data_dir / FILES_DIR
        self.key_path = settings.data_dir / SIGNING_KEY_FILE
        self.public_url = settings.public_url.rstrip("/")
        self._secret: bytes | None = None

    # The store's side of the Protocol ---------------------------------------------------------

    async def upload_form(
        self, key: str, content_type: str, size: int, expires_at: datetime
    ) -> UploadForm:
        policy = {
            "expiration": expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "conditions": [
                {"key": key},
                {"Content-Type": content_type},
                ["content-length-range", size, size],
            ],
        }
        encoded = base64.b64encode(json.dumps(policy).encode()).decode()
        fields = {
            "key": key,
            "Content-Type": content_type,
            "policy": encoded,
            "signature": self._sign(_UPLOAD, encoded.encode()),
        }
        return UploadForm(url=self.public_url + UPLOAD_PATH, fields=fields, expires_at=expires_at)

    async def stat(self, key: str) -> StoredObject | None:
        try:
            size = self._path(key).stat().st_size
        except FileNotFoundError:
            return None
        return StoredObject(size=size, content_type=None)

    async def download_urls(self, downloads: Sequence[Download], expires_at: datetime) -> list[str]:
        expires = int(expires_at.timestamp())
        return [self.public_url + DOWNLOAD_PATH + self._token(d, expires) for d in downloads]

    async def delete(self, keys: Sequence[str]) -> None:
        await asyncio.to_thread(self._delete, keys)

    async def delete_prefix(self, prefix: str) -> int:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"not a project's or a task's prefix: {prefix!r}")
        return await asyncio.to_thread(self._delete_tree, self.root / prefix)

    # The upload and download functions' side ---------------------------------------------------

    async def accept_upload(self, fields: Mapping[str, str], content: IO[bytes]) -> None:
        """Store `content` under the form's key if the form is signed, unexpired and the file
        meets its policy (Forbidden, or UploadRefused for the size, otherwise)."""
        key, content_type = fields.get("key", ""), fields.get("Content-Type", "")
        conditions = self._policy_conditions(fields.get("policy", ""), fields.get("signature", ""))
        size = content.seek(0, os.SEEK_END)
        content.seek(0)
        for condition in conditions:
            match condition:
                case {"key": str(expected)} if len(condition) == 1:
                    if key != expected:
                        raise Forbidden("the key is not the one the policy names")
                case {"Content-Type": str(expected)} if len(condition) == 1:
                    if content_type != expected:
                        raise Forbidden("the Content-Type is not the one the policy names")
                case ["content-length-range", int(low), int(high)]:
                    if not low <= size <= high:
                        raise UploadRefused(
                            f"the file is {size} bytes; the policy takes {low} to {high}"
                        )
                case _:
                    raise Forbidden("the policy holds a condition this store does not know")
        if not _OBJECT_KEY.fullmatch(key):
            raise Forbidden("the policy names no attachment")
        await asyncio.to_thread(self._write, key, content)

    def open_download(self, token: str) -> StoredFile:
        """The file a link's token names (Forbidden when it is forged or has expired)."""
        payload, _, signature = token.partition(".")
        if not token.isascii() or not _same(self._sign(_DOWNLOAD, payload.encode()), signature):
            raise Forbidden("the link is not valid")
        try:
            claims = json.loads(_unb64(payload))
            key, filename, content_type, expires = (
                claims["k"],
                claims["n"],
                claims["t"],
                claims["e"],
            )
        except (ValueError, KeyError, TypeError) as exc:  # signed by us: never, but say so
            raise Forbidden("the link is not valid") from exc
        if not isinstance(expires, int) or expires < utcnow().timestamp():
            raise Forbidden("the link has expired; ask for the list of attachments again")
        if not (isinstance(key, str) and _OBJECT_KEY.fullmatch(key)):
            raise Forbidden("the link is not valid")
        path = self._path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise NotFound("the file is gone") from exc
        return StoredFile(
            path=path, filename=str(filename), content_type=str(content_type), size=size
        )

    # Signing ------------------------------------------------------------------------------------

    def _token(self, download: Download, expires: int) -> str:
        claims = {"k": download.key, "n": download.filename, "t": download.content_type}
        payload = _b64(json.dumps({**claims, "e": expires}, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(_DOWNLOAD, payload.encode())}"

    def _policy_conditions(self, policy: str, signature: str) -> list[Any]:
        signed = policy.isascii() and signature.isascii()
        if not policy or not signed or not _same(self._sign(_UPLOAD, policy.encode()), signature):
            raise Forbidden("the form's signature does not match its policy")
        try:
            document = json.loads(base64.b64decode(policy, validate=True))
            expiration = datetime.fromisoformat(document["expiration"])
            conditions = list(document["conditions"])
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise Forbidden("the policy cannot be read") from exc
        if expiration <= utcnow():
            raise Forbidden("the form has expired; ask for a new one")
        return conditions

    def _sign(self, purpose: bytes, data: bytes) -> str:
        return hmac.new(self._signing_key(), purpose + data, hashlib.sha256).hexdigest()

    def _signing_key(self) -> bytes:
        if self._secret is None:
            self._secret = _kept_secret(self.key_path)
        return self._secret

    # Files --------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        if not _OBJECT_KEY.fullmatch(key):
            raise ValueError(f"not an attachment's key: {key!r}")
        return self.root / key

    def _write(self, key: str, content: IO[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its place and renamed: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".upload-", delete=False) as out:
            try:
                shutil.copyfileobj(content, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, path)

    def _delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            _prune(path.parent, self.root)

    def _delete_tree(self, folder: Path) -> int:
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        _prune(folder.parent, self.root)
        return count


def _prune(folder: Path, root: Path) -> None:
    """Remove empty folders from `folder` up to (not including) `root`."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): what is left stays
            return
        folder = folder.parent


def _kept_secret(path: Path) -> bytes:
    """The signing key in `path`, made on first use. Written aside and linked into place, so
    two processes starting at once agree on one key."""
    with contextlib.suppress(FileNotFoundError):
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    made = secrets.token_bytes(32)
    fd, aside = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(made.hex())
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    finally:
        os.unlink(aside)
    return bytes.fromhex(path.read_text().strip())


def _same(expected: str, given: str) -> bool:
    """Compared in constant time (both ASCII: what we sign and what was checked to be)."""
    return hmac.compare_digest(expected.encode(), given.encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
