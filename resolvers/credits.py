"""Credit use cases: reading the ledger. Balance changes live in orm.ledger."""

from __future__ import annotations

import uuid

from tortoise.expressions import Q

from orm.models import CreditTransaction
from resolvers.pagination import Page, decode_time_cursor, page_size, time_cursor


async def transactions_page(
    user_id: uuid.UUID, first: int | None, after: str | None
) -> Page[CreditTransaction]:
    """Newest first."""
    limit = page_size(first)
    query = CreditTransaction.filter(user_id=user_id)
    if after:
        stamp, pk = decode_time_cursor(after)
        query = query.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk))
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    return Page(rows, [time_cursor(r.created_at, r.id) for r in rows], limit)
