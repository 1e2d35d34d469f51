"""Where a clip opens: the first line decides whether a viewer stays.

A window of whole sentences built to reach the minimum length can open on throat-clearing
("We move on, I suppose.") just before the real hook. Each sentence is rated here as an
opening line; a window then starts on a clearly stronger line within its first seconds, and
never on a line rated as filler. The end grows to keep the length; when speech runs out the
clip is accepted somewhat shorter than the minimum rather than reaching back into filler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobs.media.highlights.sentences import Sentence
from jobs.media.highlights.signals import detect_hook, filler_score, start_score
from jobs.media.highlights.text import STOPWORDS, bare, is_filler
from jobs.media.types import Word

OPENING_SECONDS = 8.0  # how far into a window a stronger first line is looked for
CLEARLY_STRONGER = 0.3  # e.g. a question where the window opens on a plain statement
SOUND_LINE = 0.5  # a hookless line with full footing, no fillers and real content scores this
SHORTEST_FLOOR = 5.0  # the shortest clip the options allow
SHORTFALL = 0.5  # a refined clip keeps at least this share of the minimum length


def content_words(words: Sequence[Word]) -> int:
    """Words that carry meaning: not stop words, not hesitations."""
    count = 0
    for w in words:
        b = bare(w.text)
        if b and any(c.isalnum() for c in b) and b not in STOPWORDS and not is_filler(b):
            count += 1
    return count


def line_strength(words: Sequence[Word]) -> float:
    """0..1: how well this sentence works as a clip's first line (hook first, then footing)."""
    if not words:
        return 0.0
    substance = min(1.0, content_words(words) / 4.0)
    return (
        0.5 * detect_hook(words).score
        + 0.2 * start_score(words)
        + 0.15 * filler_score(words)
        + 0.15 * substance
    )


def is_filler_line(words: Sequence[Word]) -> bool:
    """No hook, and dense with fillers or nearly empty of content ("So yeah, okay then.")."""
    if not words or detect_hook(words).score > 0:
        return False
    content = content_words(words)
    return filler_score(words) < 0.5 or content < 2 or (content < 3 and start_score(words) < 1)


def shortest_clip(min_seconds: float, *, last_resort: bool = False) -> float:
    """How short a refined clip may get when speech runs out.

    Half the minimum (never below the options' floor); as a last resort, when no window of
    a video could open well otherwise, the floor itself.
    """
    share = 0.0 if last_resort else SHORTFALL
    return min(min_seconds, max(SHORTEST_FLOOR, share * min_seconds))


@dataclass(frozen=True)
class Lines:
    """Each sentence's strength and filler verdict, computed once per transcript."""

    sentences: tuple[Sentence, ...]
    strength: tuple[float, ...]
    filler: tuple[bool, ...]

    @classmethod
    def rate(cls, sentences: Sequence[Sentence]) -> Lines:
        sents = tuple(sentences)
        return cls(
            sents,
            tuple(line_strength(s.words) for s in sents),
            tuple(is_filler_line(s.words) for s in sents),
        )

    def openings(self, i: int, j: int) -> list[int]:
        """The sentences window i..j may open on: none if every line in it is filler.

        Filler lines are skipped first. A clearly stronger line within the first
        OPENING_SECONDS of what is left replaces a weak opening line, and is offered beside
        a sound one (the scorer, and a prompt's relevance, then choose between them).
        """
        k = i
        while k <= j and self.filler[k]:
            k += 1
        if k > j:
            return []
        t0 = self.sentences[k].start
        early = [
            m
            for m in range(k, j + 1)
            if self.sentences[m].start - t0 <= OPENING_SECONDS and not self.filler[m]
        ]
        best = max(early, key=lambda m: (self.strength[m], -m))
        if self.strength[best] < self.strength[k] + CLEARLY_STRONGER:
            return [k]
        return [best] if self.strength[k] < SOUND_LINE else [k, best]

    def refine(
        self, i: int, j: int, *, min_seconds: float, max_seconds: float, shortest: float
    ) -> list[tuple[int, int]]:
        """Window i..j re-opened as openings() says, each end extended to keep the length.

        An opening that leaves less than `shortest` seconds of speech is dropped.
        """
        out: list[tuple[int, int]] = []
        sents = self.sentences
        for k in self.openings(i, j):
            end = j
            while (
                sents[end].end - sents[k].start < min_seconds
                and end + 1 < len(sents)
                and sents[end + 1].end - sents[k].start <= max_seconds
            ):
                end += 1
            if k == i or sents[end].end - sents[k].start >= shortest:
                out.append((k, end))
        return out
