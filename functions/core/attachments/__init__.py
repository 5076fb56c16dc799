"""Files on tasks: the store that holds their bytes (S3, or the data directory)."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from functions.core.attachments.store import AttachmentStore

if TYPE_CHECKING:
    from functions.core.attachments.local import LocalStore
    from functions.core.runtime import Runtime
    from functions.core.settings import Settings

_stores: weakref.WeakKeyDictionary[Runtime, AttachmentStore] = weakref.WeakKeyDictionary()


def store_of(rt: Runtime) -> AttachmentStore:
    """The runtime's store, built on first use: the bucket when one is set, else the data
    directory's (the embedded mode's)."""
    store = _stores.get(rt)
    if store is None:
        if rt.settings.attachments_bucket is not None:
            from functions.core.attachments.s3 import S3Store

            store = S3Store(rt.settings)
        else:
            from functions.core.attachments.local import LocalStore

            store = LocalStore(rt.settings)
        _stores[rt] = store
    return store


def local_store_of(rt: Runtime) -> LocalStore | None:
    """The data directory's store, when it is the runtime's (None with a bucket)."""
    from functions.core.attachments.local import LocalStore

    store = store_of(rt)
    return store if isinstance(store, LocalStore) else None


def upload_origin(settings: Settings) -> str | None:
    """The other origin browsers send files to and read them from (the bucket's), if any:
    what the Content-Security-Policy must allow beside the app's own."""
    from functions.core.attachments.s3 import public_origin

    return public_origin(settings)
