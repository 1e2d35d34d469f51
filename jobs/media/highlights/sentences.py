"""Sentences from timed words: the units every clip boundary is aligned to.

Whisper punctuates most sentences, but small models miss some and long monologues run on,
so a long pause also closes a sentence and an overlong one is split at its widest gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobs.media.highlights.text import ends_sentence
from jobs.media.types import Word


@dataclass(frozen=True)
class Sentence:
    words: tuple[Word, ...]
    terminal: bool  # closed by punctuation (not by a pause or a forced split)

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return " ".join(w.text.strip() for w in self.words).strip()


def split_sentences(
    words: Sequence[Word],
    *,
    pause_seconds: float = 1.0,
    max_sentence_seconds: float = 15.0,
) -> list[Sentence]:
    """Group words into sentences by terminal punctuation and pauses >= `pause_seconds`.

    Sentences longer than `max_sentence_seconds` are split at their widest pause, so that
    candidate windows can still be built from transcripts without punctuation.
    """
    out: list[Sentence] = []
    current: list[Word] = []
    for i, w in enumerate(words):
        if not w.text.strip():
            continue
        current.append(w)
        nxt = words[i + 1] if i + 1 < len(words) else None
        punct = ends_sentence(w.text)
        pause = nxt is not None and nxt.start - w.end >= pause_seconds
        if punct or pause or nxt is None:
            out.extend(_split_long(tuple(current), punct, max_sentence_seconds))
            current = []
    return out


def clip_sentences(words: Sequence[Word], max_seconds: float) -> list[Sentence]:
    """The sentences clip windows are built from: none longer than half the longest clip."""
    return split_sentences(words, max_sentence_seconds=min(15.0, max_seconds / 2))


def _split_long(words: tuple[Word, ...], terminal: bool, limit: float) -> list[Sentence]:
    if len(words) < 2 or words[-1].end - words[0].start <= limit:
        return [Sentence(words, terminal)]
    # Widest gap wins; among equal gaps the one nearest the middle keeps halves balanced.
    mid = (words[0].start + words[-1].end) / 2
    best = max(
        range(1, len(words)),
        key=lambda k: (round(words[k].start - words[k - 1].end, 2), -abs(words[k].start - mid)),
    )
    left = _split_long(words[:best], ends_sentence(words[best - 1].text), limit)
    right = _split_long(words[best:], terminal, limit)
    return left + right
