"""Clip ranks: 1..n per upload by score (best first), found and hand-made clips alike.

Renumbered in one statement whenever an upload's clips change (a reclip, a clip made, re-cut
or deleted). The (upload, rank) constraint is DEFERRABLE, so the statement may pass through
repeated ranks; a transaction that inserts before renumbering defers it to the commit.
"""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

RERANK = (
    "UPDATE clips c SET rank = r.n FROM (SELECT id, row_number() OVER"
    " (ORDER BY score DESC, start_seconds, id) AS n FROM clips WHERE upload_id = $1) r"
    " WHERE c.id = r.id AND c.rank <> r.n"
)
LAST_RANK = 2**31 - 1  # a new clip's place until the ranks are renumbered


async def defer_ranks(conn: BaseDBAsyncClient) -> None:
    """Within the caller's transaction: ranks may repeat until commit (rerank fixes them)."""
    await conn.execute_query("SET CONSTRAINTS clips_upload_rank_key DEFERRED")


async def rerank(upload_id: uuid.UUID, conn: BaseDBAsyncClient) -> None:
    await conn.execute_query(RERANK, [upload_id])
