"""Refresh tokens: random, stored hashed, one use each, grouped in a session family.

Using a token marks it used and issues its successor in the same family. Presenting a used
token again means it was copied: the whole family is revoked, the thief's and the owner's
tokens alike, and the owner signs in again. Except just after its use
(`refresh_reuse_grace_seconds`): two tabs refreshing at once, or a client retrying after a
timeout, get the very pair the first call got (resolvers.auth.grace) while it is still alive.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from core.config import get_settings
from core.errors import DomainError
from orm.models import RefreshToken, User
from resolvers.auth import grace
from resolvers.auth.secrets import hash_secret, new_secret
from resolvers.auth.tokens import issue_access_token, revoke_session_tokens, session_revoked

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
    access_token: str
    expires_at: datetime


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
    """Spend a refresh token for its successor and an access token. A used token presented
    again inside the grace window answers the same pair; later it revokes its family and
    raises, as does an unknown, expired or revoked one."""
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
            if _in_grace(row, now):
                return await _same_pair(row, secret)
            reused_family = row.family
            await (
                RefreshToken.filter(family=row.family, revoked_at__isnull=True)
                .using_db(conn)
                .update(revoked_at=now)
            )
        elif row.revoked_at is not None or row.expires_at <= now:
            raise InvalidRefreshToken()
        else:
            user = await User.filter(id=row.user_id).using_db(conn).first()
            if user is None:
                raise InvalidRefreshToken()
            successor = new_secret(TOKEN_PREFIX)
            access_token, expires_at = issue_access_token(user, session_id=row.family)
            pair = grace.SuccessorPair(successor, access_token, expires_at)
            row.used_at = now
            row.successor_sealed = grace.seal(pair, secret, str(row.id))
            await row.save(using_db=conn, update_fields=["used_at", "successor_sealed"])
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
    return Rotated(row.user_id, row.family, successor, access_token, expires_at)


def _in_grace(row: RefreshToken, now: datetime) -> bool:
    window = get_settings().refresh_reuse_grace_seconds
    return (
        window > 0
        and row.used_at is not None
        and row.successor_sealed is not None
        and row.revoked_at is None
        and now - row.used_at <= timedelta(seconds=window)
    )


async def _same_pair(row: RefreshToken, secret: str) -> Rotated:
    """The pair the first use of `row` answered, if that session is still alive."""
    assert row.successor_sealed is not None
    pair = grace.open_sealed(row.successor_sealed, secret, str(row.id))
    if pair is None:
        raise InvalidRefreshToken()
    alive = await RefreshToken.filter(
        token_hash=hash_secret(pair.refresh_token), revoked_at__isnull=True
    ).exists()
    if not alive or await session_revoked(row.family):
        raise InvalidRefreshToken()  # logged out (or revoked) since: nothing to hand back
    return Rotated(row.user_id, row.family, pair.refresh_token, pair.access_token, pair.expires_at)


async def revoke_family(family: uuid.UUID) -> int:
    """End a session (log out): its refresh tokens stop working. Returns how many died."""
    return await RefreshToken.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=datetime.now(UTC)
    )
