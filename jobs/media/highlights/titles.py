"""Short clip titles taken from the clip's own words (no invented text): its strongest line."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from jobs.media.highlights.openings import line_strength
from jobs.media.highlights.sentences import split_sentences
from jobs.media.highlights.text import bare, is_filler, trim_to, word_set
from jobs.media.types import Word

TITLE_MAX_CHARS = 70
_LEADING_NOISE = word_set(
    "and but so or because well yeah yes okay ok right um uh like anyway also then now"
)


def title_from_words(words: Sequence[Word], limit: int = TITLE_MAX_CHARS) -> str:
    """The strongest line, tidied: no leading 'so/and/um', no fillers, trimmed to `limit`.

    Lines are rated as openings are (a question, a number, a bold claim first); ties go to
    the earlier line, a line that fits whole wins a near tie, and lines of one or two words
    ("Yeah.") are used only when there is nothing else.
    """
    sents = split_sentences(words, max_sentence_seconds=1e9)
    best: tuple[float, int] | None = None
    chosen: list[str] = []
    fallback: list[str] = []
    for idx, s in enumerate(sents):
        cleaned = _tidy([w.text.strip() for w in s.words])
        if len(cleaned) < 3:
            fallback = fallback or cleaned
            continue
        fits = len(" ".join(cleaned)) <= limit
        rank = (_strength(s.words) + (0.05 if fits else 0.0), -idx)
        if best is None or rank > best:
            best, chosen = rank, cleaned
    return title_from_text(" ".join(chosen or fallback), limit)


@lru_cache(maxsize=4096)
def _strength(words: tuple[Word, ...]) -> float:
    """Overlapping candidates share sentences: rate each once."""
    return line_strength(words)


def title_from_text(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    text = " ".join(text.split()).strip(" ,;:-–—")
    if not text:
        return "Untitled clip"
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    text = trim_to(text, limit)
    return text[0].upper() + text[1:]


def _tidy(parts: list[str]) -> list[str]:
    parts = [p for p in parts if not is_filler(bare(p))]
    while parts and bare(parts[0]) in _LEADING_NOISE:
        parts = parts[1:]
    if parts:
        parts[0] = parts[0].lstrip(",;: ")
    return [p for p in parts if p]
