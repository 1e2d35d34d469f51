"""Edits on a transcript's timed words, as segment rows store them ({start, end, text, p}).

Pure data, shared by the api (which snaps a user's span to words and applies corrections
before answering) and anything else that needs the same rules. A word belongs to a span when
its middle does: the rule clip subtitles and the clip's spoken text use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MIN_WORD_SECONDS = 0.12  # a corrected word gets at least this much time when there is room
CORRECTED_P = 1.0  # the creator typed it: certain


@dataclass(frozen=True)
class TimedWord:
    start: float
    end: float
    text: str
    p: float = 1.0

    @property
    def mid(self) -> float:
        return (self.start + self.end) / 2

    def as_row(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "p": self.p}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TimedWord:
        return cls(
            float(row["start"]), float(row["end"]), str(row["text"]), float(row.get("p", 1.0))
        )


@dataclass
class SegmentWords:
    """One transcript segment being edited: its place, time span and words."""

    index: int
    start: float
    end: float
    words: list[TimedWord] = field(default_factory=list)
    stored_text: str = ""  # as transcribed (its spacing and punctuation), until words change
    changed: bool = False

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words) if self.changed else self.stored_text


def snap_to_words(
    words: Iterable[TimedWord], start: float, end: float
) -> tuple[float, float] | None:
    """[start, end] moved onto word boundaries: from the first word whose middle is inside to
    the end of the last one; None when no word is spoken in it."""
    inside = [w for w in words if start <= w.mid <= end]
    if not inside:
        return None
    return round(inside[0].start, 3), round(inside[-1].end, 3)


def replace_span(
    segments: Sequence[SegmentWords], start: float, end: float, text: str, duration: float
) -> None:
    """Replace the words spoken in [start, end] with `text`, in place.

    The new words share the time the old ones took (in proportion to their length), grown
    into the silence around them, never past the span or a neighbouring word, when that is
    too short to give each MIN_WORD_SECONDS; with no old words they fill the span's silence.
    Applying the same replacement again changes nothing.
    """
    words = [(seg, w) for seg in segments for w in seg.words]
    hit = [(seg, w) for seg, w in words if start <= w.mid <= end]
    before = [w for _, w in words if w.mid < start]
    after = [w for _, w in words if w.mid > end]
    # the free time: inside the span, between the neighbouring words (to the millisecond)
    lo = math.ceil(1000 * max(0.0, start, max((w.end for w in before), default=0.0))) / 1000
    hi = math.floor(1000 * min(duration, end, min((w.start for w in after), default=end))) / 1000
    tokens = text.split()
    for seg in {id(s): s for s, _ in hit}.values():
        seg.words = [w for w in seg.words if not start <= w.mid <= end]
        seg.changed = True
    if not tokens or hi <= lo:
        return
    if hit:
        r0, r1 = hit[0][1].start, hit[-1][1].end
        length = min(max(r1 - r0, len(tokens) * MIN_WORD_SECONDS), hi - lo)
        r0 = round(min(max((r0 + r1 - length) / 2, lo), hi - length), 3)
        r1 = round(min(r0 + length, hi), 3)
        home = hit[0][0]
    else:
        r0, r1 = lo, hi
        home = _home(segments, lo)
    home.words = sorted(home.words + _timed(tokens, r0, r1), key=lambda w: (w.start, w.end))
    home.start = min(home.start, home.words[0].start)
    home.end = max(home.end, home.words[-1].end)
    home.changed = True


def _timed(tokens: Sequence[str], start: float, end: float) -> list[TimedWord]:
    """Tokens laid end to end over [start, end], each in proportion to its length."""
    weights = [len(t) + 1 for t in tokens]
    total = float(sum(weights))
    out: list[TimedWord] = []
    done = 0
    for token, weight in zip(tokens, weights, strict=True):
        a = start + (end - start) * done / total
        done += weight
        b = start + (end - start) * done / total
        out.append(TimedWord(round(a, 3), round(b, 3), token, CORRECTED_P))
    return out


def _home(segments: Sequence[SegmentWords], at: float) -> SegmentWords:
    """The segment new words spoken at `at` belong to: the one that spans it, else the last
    one that starts before it, else the first."""
    for seg in segments:
        if seg.start <= at <= seg.end:
            return seg
    earlier = [s for s in segments if s.start <= at]
    return earlier[-1] if earlier else segments[0]
