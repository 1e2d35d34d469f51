"""Partner API keys: `cfk_<prefix>_<secret>`, shown once, stored as a SHA-256 hash.

The visible prefix lets a user tell keys apart (and lets us recognise a key without trying
it as a JWT); the scopes limit what the key may read or write.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from orm.models import ApiKey
from resolvers.auth.secrets import hash_secret
from resolvers.viewer import Viewer

KEY_PREFIX = "cfk_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
LAST_USED_GRANULARITY = timedelta(minutes=1)


def looks_like_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def new_api_key_secret() -> tuple[str, str]:
    """(visible prefix, full secret)."""
    prefix = f"{KEY_PREFIX}{secrets.token_hex(4)}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


async def create_api_key(user_id: uuid.UUID, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    prefix, secret = new_api_key_secret()
    key = await ApiKey.create(
        user_id=user_id, name=name, prefix=prefix, secret_hash=hash_secret(secret), scopes=scopes
    )
    return key, secret


async def authenticate(secret: str) -> Viewer | None:
    prefix = secret[:PREFIX_LENGTH]
    if secret[PREFIX_LENGTH : PREFIX_LENGTH + 1] != "_" or len(secret) > 200:
        return None
    key = await ApiKey.filter(secret_hash=hash_secret(secret), revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.prefix, prefix):
        return None
    now = datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_GRANULARITY:
        await ApiKey.filter(id=key.id).update(last_used_at=now)
    return Viewer(user_id=key.user_id, scopes=frozenset(key.scopes), api_key_id=key.id)
