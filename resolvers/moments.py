"""Moment search: spans of the viewer's READY uploads where what is said matches a query.

PostgreSQL's full-text search does it, so it scales with the database: every transcript
segment has a tsvector in its transcript's language (kept by a trigger, GIN-indexed; see
migration 0007_steering). The query is read with the text-search configuration of every
language the viewer's uploads are in (websearch_to_tsquery: words, "quoted phrases", or,
-not), the matches are ranked by ts_rank, and only the viewer's own READY uploads are searched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise import connections

from core.errors import DomainError
from resolvers.pagination import page_size
from resolvers.viewer import READ_CLIPS, Viewer, require

QUERY_MAX = 200
DEFAULT_FIRST = 10
RANK_FULL = 0.1  # a ts_rank this high (every query word said, near each other) scores 100
SEARCH = """
WITH q AS (
    SELECT clipforge_tsquery_or(DISTINCT websearch_to_tsquery(
        clipforge_search_config(t.language), $2)) AS query
    FROM transcripts t JOIN uploads u ON u.id = t.upload_id
    WHERE u.user_id = $1 AND u.status = 'READY'
)
SELECT t.upload_id, s.start, s."end", s.text, ts_rank(s.search_vector, q.query) AS rank
FROM q
JOIN transcript_segments s ON s.search_vector @@ q.query
JOIN transcripts t ON t.id = s.transcript_id
JOIN uploads u ON u.id = t.upload_id
WHERE u.user_id = $1 AND u.status = 'READY'
ORDER BY rank DESC, u.created_at DESC, s.index
LIMIT $3
"""


@dataclass(frozen=True)
class Moment:
    upload_id: uuid.UUID
    start: float
    end: float
    text: str
    score: float  # 0..100


def score_of(rank: float) -> float:
    return round(100.0 * min(1.0, rank / RANK_FULL), 1)


async def search_moments(viewer: Viewer | None, query: str, first: int | None) -> list[Moment]:
    """The best `first` matching segments, best first (newer uploads first on ties)."""
    user_id = require(viewer, READ_CLIPS).user_id
    limit = page_size(first, DEFAULT_FIRST)
    text = " ".join(query.split())
    if not text or len(text) > QUERY_MAX:
        raise DomainError("INVALID_QUERY", f"Search for 1 to {QUERY_MAX} characters.", "query")
    if limit == 0:
        return []
    rows = await connections.get("default").execute_query_dict(SEARCH, [user_id, text, limit])
    return [
        Moment(
            upload_id=r["upload_id"],
            start=float(r["start"]),
            end=float(r["end"]),
            text=str(r["text"]).strip(),
            score=score_of(float(r["rank"])),
        )
        for r in rows
    ]
