"""Moments of a transcript that match a search, by the measure prompted clipping uses.

Searching across many uploads belongs to the database (PostgreSQL full-text search); this is
the offline side: rank one transcript's segments for a query (BM25 over stemmed words, plus
meaning for English), and score any texts by meaning to rerank what the database found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobs.media.highlights.embeddings import SentenceEmbedder, shared_embedder
from jobs.media.highlights.relevance import SEMANTIC_FLOOR, SEMANTIC_FULL, PromptMatcher
from jobs.media.types import TranscriptResult

MIN_MATCH = 0.2  # weaker matches are noise, not moments


@dataclass(frozen=True)
class Moment:
    index: int  # the segment's position in the transcript
    start: float
    end: float
    text: str
    score: float  # 0..100
    matched: tuple[str, ...]  # the query's own words said in it


def search_moments(
    query: str,
    transcript: TranscriptResult,
    *,
    limit: int = 20,
    min_score: float = MIN_MATCH,
    semantic: bool = True,
    embedder: SentenceEmbedder | None = None,
) -> list[Moment]:
    """The transcript's segments that match the query, best first (ties: earlier first).

    CPU-bound (embeds the transcript's sentences): call it through asyncio.to_thread.
    """
    segments = [(i, s) for i, s in enumerate(transcript.segments) if s.words]
    if not query.strip() or not segments or limit <= 0:
        return []
    language = transcript.language or "en"
    use_meaning = semantic and language.startswith("en")
    embedder = (embedder or shared_embedder()) if use_meaning else None
    matcher = PromptMatcher(query, transcript.words, language=language, embedder=embedder)
    matches = matcher.match_all([(s.start, s.end) for _, s in segments])
    found = [
        Moment(
            index=i,
            start=seg.start,
            end=seg.end,
            text=seg.text.strip(),
            score=round(100.0 * m.score, 1),
            matched=m.matched,
        )
        for (i, seg), m in zip(segments, matches, strict=True)
        if m.score >= min_score
    ]
    found.sort(key=lambda m: (-m.score, m.start))
    return found[:limit]


def meaning_scores(
    query: str, texts: Sequence[str], embedder: SentenceEmbedder | None = None
) -> list[float] | None:
    """How close each text is in meaning to the query, 0..1 (as prompted clipping maps it).

    For reranking full-text hits; None when the embedding model is not installed.
    """
    embedder = embedder or shared_embedder()
    if embedder is None:
        return None
    if not texts:
        return []
    vectors = embedder.embed([query, *texts])
    cosines = vectors[1:] @ vectors[0]
    span = SEMANTIC_FULL - SEMANTIC_FLOOR
    return [round(min(1.0, max(0.0, (float(c) - SEMANTIC_FLOOR) / span)), 4) for c in cosines]
