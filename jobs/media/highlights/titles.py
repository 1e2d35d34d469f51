"""Short clip titles taken from the clip's own opening words (no invented text)."""

from __future__ import annotations

from collections.abc import Sequence

from jobs.media.highlights.sentences import split_sentences
from jobs.media.highlights.text import bare, is_filler, trim_to, word_set
from jobs.media.types import Word

TITLE_MAX_CHARS = 70
_LEADING_NOISE = word_set(
    "and but so or because well yeah yes okay ok right um uh like anyway also then now"
)


def title_from_words(words: Sequence[Word], limit: int = TITLE_MAX_CHARS) -> str:
    """The hook sentence, tidied: no leading 'so/and/um', no fillers, trimmed to `limit`.

    A first sentence of one or two words ("Yeah.") gives way to the next one.
    """
    sents = split_sentences(words, max_sentence_seconds=1e9)
    chosen: list[str] = []
    for s in sents:
        cleaned = _tidy([w.text.strip() for w in s.words])
        if len(cleaned) >= 3 or (cleaned and s is sents[-1]):
            chosen = cleaned
            break
        if not chosen and cleaned:
            chosen = cleaned
    return title_from_text(" ".join(chosen), limit)


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
