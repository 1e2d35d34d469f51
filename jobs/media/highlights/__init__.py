"""Picking the moments of a long video worth a short clip (pure functions, no database)."""

from jobs.media.highlights.candidates import build_candidates
from jobs.media.highlights.llm_client import LLMError, LLMInvalidResponse, LLMUnavailable
from jobs.media.highlights.local import LocalScorer
from jobs.media.highlights.moments import Moment, meaning_scores, search_moments
from jobs.media.highlights.scorer import Scorer
from jobs.media.highlights.select import find_highlights, pick_engine, select_top, target_count

__all__ = [
    "LLMError",
    "LLMInvalidResponse",
    "LLMUnavailable",
    "LocalScorer",
    "Moment",
    "Scorer",
    "build_candidates",
    "find_highlights",
    "meaning_scores",
    "pick_engine",
    "search_moments",
    "select_top",
    "target_count",
]
