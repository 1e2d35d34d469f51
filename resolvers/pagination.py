"""Keyset pagination shared by every connection: opaque cursors, bounded page sizes."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from core.config import get_settings
from core.errors import DomainError

T = TypeVar("T")


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


def decode_cursor(cursor: str, n_parts: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise DomainError("INVALID_CURSOR", "That cursor is not valid.", "after") from None
    if len(parts) != n_parts:
        raise DomainError("INVALID_CURSOR", "That cursor is not valid.", "after")
    return parts


def time_cursor(created_at: datetime, pk: object) -> str:
    return encode_cursor(created_at.isoformat(), pk)


def decode_time_cursor(cursor: str) -> tuple[datetime, str]:
    stamp, pk = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(stamp), pk
    except ValueError:
        raise DomainError("INVALID_CURSOR", "That cursor is not valid.", "after") from None


def page_size(first: int | None, default: int = 20) -> int:
    """Validate `first` against the maximum page size (100 unless configured)."""
    maximum = get_settings().max_page_size
    if first is None:
        return default
    if first < 0 or first > maximum:
        raise DomainError("INVALID_PAGE_SIZE", f"first must be between 0 and {maximum}.", "first")
    return first
