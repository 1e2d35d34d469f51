"""Presigned GET URLs for stored objects (valid presign_ttl_seconds)."""

from __future__ import annotations

from core.config import get_settings


async def presigned_get(key: str | None) -> str | None:
    if not key:
        return None
    from core.storage.factory import get_store

    return await get_store().presigned_get(key, get_settings().presign_ttl_seconds)
