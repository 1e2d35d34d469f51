"""Relay plumbing: opaque global IDs, the Node interface, keyset connections."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from core.errors import DomainError
from resolvers.pagination import Page

T = TypeVar("T")


def to_global_id(type_name: str, raw_id: object) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, str]:
    """Decode a global id; a malformed one raises DomainError(INVALID_ID)."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, raw = base64.urlsafe_b64decode(padded.encode()).decode().split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise DomainError("INVALID_ID", "That id is not valid.", "id") from None
    if not type_name or not raw:
        raise DomainError("INVALID_ID", "That id is not valid.", "id")
    return type_name, raw


def decode_uuid(global_id: str, expected_type: str, field: str = "id") -> uuid.UUID:
    type_name, raw = from_global_id(global_id)
    if type_name != expected_type:
        raise DomainError("NOT_FOUND", f"No {expected_type.lower()} with that id.", field)
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise DomainError("INVALID_ID", "That id is not valid.", field) from None


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def make_connection(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    rows, cursors = page.rows[: page.limit], page.cursors[: page.limit]
    return Connection(
        edges=[Edge(cursor=c, node=convert(r)) for r, c in zip(rows, cursors, strict=True)],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=False,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
    )
