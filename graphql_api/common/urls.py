"""Presigned GET URLs for stored objects (valid presign_ttl_seconds).

An UploadDetail answer carries six URLs per clip: signed at once where the store can sign
without I/O (local storage; S3 with static keys once its signer exists), so those fields
resolve synchronously and graphql-core gathers no coroutine for them; otherwise the store's
own asynchronous presign is returned for graphql-core to await.
"""

from __future__ import annotations

from collections.abc import Awaitable

from core.config import get_settings

SignedUrl = str | None | Awaitable[str]
"""What a URL field returns: the URL (or None without a key), or an awaitable of it."""


def presigned_get(key: str | None) -> SignedUrl:
    if not key:
        return None
    from core.storage.factory import get_store

    store = get_store()
    url = store.quick_get(key)
    if url is not None:
        return url
    return store.presigned_get(key, get_settings().presign_ttl_seconds)
