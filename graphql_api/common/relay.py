"""Relay plumbing: opaque global IDs, the Node interface, keyset connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from resolvers import ids
from resolvers.ids import decode_uuid, from_global_id
from resolvers.pagination import Page

T = TypeVar("T")

__all__ = [
    "Connection",
    "Edge",
    "Node",
    "PageInfo",
    "decode_uuid",
    "from_global_id",
    "make_connection",
    "to_global_id",
]


def to_global_id(type_name: str, raw_id: object) -> strawberry.ID:
    return strawberry.ID(ids.to_global_id(type_name, raw_id))


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
