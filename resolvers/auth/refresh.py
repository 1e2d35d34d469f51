"""Refresh tokens: random, stored hashed, one use each, grouped in a session family.

Using a token marks it used and issues its successor in the same family. Presenting a used
token again means it was copied: the whole family is revoked, the thief's and the owner's
tokens alike, and the owner signs in again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from core.config import get_settings
from core.errors import DomainError
from orm.models import RefreshToken
from resolvers.auth.secrets import hash_secret, new_secret
from resolvers.auth.tokens import revoke_session_tokens

TOKEN_PREFIX = "cfr_"


class InvalidRefreshToken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "INVALID_REFRESH_TOKEN",
            "That session has ended; sign in again.",
            "refreshToken",
        )


@dataclass(frozen=True)
class Rotated:
    user_id: uuid.UUID
    family: uuid.UUID
    secret: str


async def issue(user_id: uuid.UUID, family: uuid.UUID | None = None) -> tuple[str, uuid.UUID]:
    """A new refresh token (secret, family); a new family is a new session."""
    family = family or uuid.uuid4()
    secret = new_secret(TOKEN_PREFIX)
    ttl = timedelta(seconds=get_settings().refresh_token_ttl_seconds)
    await RefreshToken.create(
        user_id=user_id,
        family=family,
        token_hash=hash_secret(secret),
        expires_at=datetime.now(UTC) + ttl,
    )
    return secret, family


async def rotate(secret: str) -> Rotated:
    """Spend a refresh token for its successor. A reused token revokes its family and then
    raises; so does an unknown, expired or revoked one."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise InvalidRefreshToken()
    now = datetime.now(UTC)
    reused_family: uuid.UUID | None = None
    async with in_transaction() as conn:
        row = (
            await RefreshToken.filter(token_hash=hash_secret(secret))
            .select_for_update()
            .using_db(conn)
            .first()
        )
        if row is None:
            raise InvalidRefreshToken()
        if row.used_at is not None:
            reused_family = row.family
            await (
                RefreshToken.filter(family=row.family, revoked_at__isnull=True)
                .using_db(conn)
                .update(revoked_at=now)
            )
        elif row.revoked_at is not None or row.expires_at <= now:
            raise InvalidRefreshToken()
        else:
            row.used_at = now
            await row.save(using_db=conn, update_fields=["used_at"])
            successor = new_secret(TOKEN_PREFIX)
            await RefreshToken.create(
                user_id=row.user_id,
                family=row.family,
                token_hash=hash_secret(successor),
                expires_at=now + timedelta(seconds=get_settings().refresh_token_ttl_seconds),
                using_db=conn,
            )
    if reused_family is not None:  # committed above: the revocation must outlive the error
        await revoke_session_tokens(reused_family)
        raise InvalidRefreshToken()
    return Rotated(user_id=row.user_id, family=row.family, secret=successor)


async def revoke_family(family: uuid.UUID) -> int:
    """End a session (log out): its refresh tokens stop working. Returns how many died."""
    return await RefreshToken.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=datetime.now(UTC)
    )
