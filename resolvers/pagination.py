"""Keyset pagination shared by every connection: opaque cursors, bounded page sizes."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from core.config import get_settings
from core.errors import DomainError

T = TypeVar("T")
MAX_RANK = 2**31 - 1  # Postgres integer


@dataclass
class Page(Generic[T]):
    """Rows fetched with `limit + 1`: the extra row only tells that a next page exists."""

    rows: Sequence[T]
    cursors: Sequence[str]
    limit: int

    @property
    def has_next(self) -> bool:
        return len(self.rows) > self.limit


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("|".join(str(p) for p in parts).encode()).decode()


class InvalidCursor(DomainError):
    def __init__(self) -> None:
        super().__init__("INVALID_CURSOR", "That cursor is not valid.", "after")


def decode_cursor(cursor: str, n_parts: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor() from None
    if len(parts) != n_parts:
        raise InvalidCursor()
    return parts


def time_cursor(created_at: datetime, pk: object) -> str:
    return encode_cursor(created_at.isoformat(), pk)


def decode_time_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (time, id) a time_cursor holds; INVALID_CURSOR for anything else, so a tampered
    cursor never reaches the database as a malformed value."""
    stamp, pk = decode_cursor(cursor, 2)
    try:
        at, row_id = datetime.fromisoformat(stamp), uuid.UUID(pk)
    except ValueError:
        raise InvalidCursor() from None
    if at.tzinfo is None:
        raise InvalidCursor()
    return at, row_id


def rank_cursor(rank: int) -> str:
    return encode_cursor(rank)


def decode_rank_cursor(cursor: str) -> int:
    """The rank a rank_cursor holds: a whole number that fits Postgres' integer."""
    (raw,) = decode_cursor(cursor, 1)
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_RANK:
        raise InvalidCursor()
    return int(raw)


def page_size(first: int | None, default: int = 20) -> int:
    """Validate `first` against the maximum page size (100 unless configured)."""
    maximum = get_settings().max_page_size
    if first is None:
        return default
    if first < 0 or first > maximum:
        raise DomainError("INVALID_PAGE_SIZE", f"first must be between 0 and {maximum}.", "first")
    return first
