"""One store per process and configuration: clients hold connection pools worth reusing."""

from __future__ import annotations

from core.config import Settings, get_settings
from core.storage.base import ObjectStore

_stores: dict[tuple[object, ...], ObjectStore] = {}


def _cache_key(s: Settings) -> tuple[object, ...]:
    # Settings objects are not hashable; the fields a store reads are.
    return (
        s.storage_backend,
        str(s.storage_root),
        s.s3_endpoint_url,
        s.s3_bucket,
        s.s3_access_key_id,
        s.s3_secret_access_key,
        s.s3_region,
        s.presign_ttl_seconds,
        s.public_base_url,
        s.secret_key,
    )


def get_store(settings: Settings | None = None) -> ObjectStore:
    """The store for ``settings`` (the process settings if None), made once and reused."""
    s = settings or get_settings()
    key = _cache_key(s)
    store = _stores.get(key)
    if store is None:
        if s.storage_backend == "s3":
            from core.storage.s3 import S3Store  # aioboto3 only where S3 is used

            store = S3Store(s)
        else:
            from core.storage.local import LocalStore

            store = LocalStore(s)
        _stores[key] = store
    return store


async def close_store() -> None:
    """Close every store made by get_store (at shutdown, or between tests)."""
    stores = list(_stores.values())
    _stores.clear()
    for store in stores:
        await store.close()
