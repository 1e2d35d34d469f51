"""Cleanups as an edit list: cut filler words ("um", "uh", ...) and shorten long pauses.

Whisper's times for a filler are unreliable (measured on espeak-ng speech: "uh" placed
half a second late, inside the next word) while its times for real words are good, and
the audio shows exactly where sound is. So cuts are made on the audio: the loud stretches
("islands") between two kept words that neither of them covers are the fillers; a pause
longer than 0.5 s between islands is shortened to 0.2 s. Every cut falls in silence, on a
word's audible edge, and on the video's frame grid so picture and sound stay in step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jobs.media.envelope import Envelope
from jobs.media.types import Word

FILLERS = frozenset(
    {"um", "umm", "uh", "uhh", "uhm", "erm", "er", "err", "ah", "ahh", "hmm", "hm", "mm", "eh"}
)
MAX_PAUSE_S = 0.5  # pauses longer than this are shortened ...
KEEP_PAUSE_S = 0.2  # ... to this, and a removed filler leaves this much pause
MERGE_GAP_S = 0.12  # silences shorter than this are inside a word
MIN_ISLAND_S = 0.05  # shorter sounds are clicks
RELATIVE_DB = 30.0  # sound: within this of the loud level of the clip ...
FLOOR_DB = -50.0  # ... and above this


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class EditList:
    """The parts of the clip [0, duration) that stay, in order."""

    keep: tuple[Span, ...]
    fillers_removed: int = 0
    pauses_shortened: int = 0

    @property
    def duration(self) -> float:
        return sum(s.length for s in self.keep)

    @property
    def is_identity(self) -> bool:
        return len(self.keep) <= 1

    def map_time(self, t: float) -> float | None:
        """Output time of clip time t; None when t was cut."""
        out = 0.0
        for s in self.keep:
            if t < s.start:
                return None
            if t <= s.end:
                return out + t - s.start
            out += s.length
        return None

    def retime(self, words: Sequence[Word]) -> list[Word]:
        """Words on the output's timeline; words whose middle was cut are dropped."""
        result: list[Word] = []
        for w in words:
            mid = self.map_time((w.start + w.end) / 2)
            if mid is None:
                continue
            span = next(s for s in self.keep if s.start <= (w.start + w.end) / 2 <= s.end)
            start = self.map_time(max(w.start, span.start))
            end = self.map_time(min(w.end, span.end))
            assert start is not None and end is not None
            result.append(Word(round(start, 3), round(end, 3), w.text, w.probability))
        return result


def is_filler(text: str) -> bool:
    return re.sub(r"[^a-z]", "", text.lower()) in FILLERS


def islands(env: Envelope, duration: float) -> list[Span]:
    """Stretches of sound: frames above the clip's speech threshold, with short silences
    inside words bridged and clicks dropped."""
    if env.db.size == 0:
        return []
    db = env.db
    threshold = max(FLOOR_DB, float(np.percentile(db, 95)) - RELATIVE_DB)
    runs: list[Span] = []
    start: float | None = None
    for i, loud in enumerate(db > threshold):
        t = i * env.step
        if loud and start is None:
            start = t
        elif not loud and start is not None:
            runs.append(Span(start, t))
            start = None
    if start is not None:
        runs.append(Span(start, min(duration, db.size * env.step)))
    merged: list[Span] = []
    for r in runs:
        if merged and r.start - merged[-1].end < MERGE_GAP_S:
            merged[-1] = Span(merged[-1].start, r.end)
        else:
            merged.append(r)
    return [r for r in merged if r.length >= MIN_ISLAND_S]


def _covered(island: Span, w: Word) -> bool:
    """More than half of the island lies inside the word's time."""
    inside = min(island.end, w.end) - max(island.start, w.start)
    return inside > island.length / 2


def _filler_cuts(words: Sequence[Word], sound: Sequence[Span], keep: float) -> list[Span]:
    cuts: list[Span] = []
    kept = [(i, w) for i, w in enumerate(words) if not is_filler(w.text)]
    for (ia, a), (ib, b) in zip(kept, kept[1:], strict=False):
        if ib - ia < 2:  # no filler between these two words
            continue
        between = [s for s in sound if a.start < s.start and s.start < b.start - 0.02]
        own_a = [s for s in between if _covered(s, a)]
        fillers = [s for s in between if s not in own_a]
        if not fillers:
            continue  # the filler is glued to a word: no silence to cut in, leave it
        first = fillers[0].start
        left = max((s.end for s in sound if s.end <= first), default=a.start)
        right = b.start
        later = [s for s in sound if s.start >= b.start - 0.02]
        if later:
            right = min(right, later[0].start)
        if right - left > keep:
            cuts.append(Span(left + keep / 2, right - keep / 2))
    return cuts


def _pause_cuts(
    words: Sequence[Word], sound: Sequence[Span], max_pause: float, keep: float
) -> list[Span]:
    if not words:
        return []
    first, last = words[0].start, words[-1].end
    mids = [(w.start + w.end) / 2 for w in words if not is_filler(w.text)]
    cuts: list[Span] = []
    for s0, s1 in zip(sound, sound[1:], strict=False):
        gap = Span(s0.end, s1.start)
        if gap.length <= max_pause or gap.end <= first or gap.start >= last:
            continue
        if any(gap.start + 0.05 < m < gap.end - 0.05 for m in mids):
            continue  # Whisper heard a word here: quiet speech, not a pause
        cuts.append(Span(gap.start + keep / 2, gap.end - keep / 2))
    return cuts


def _snap(t: float, fps: float) -> float:
    return round(t * fps) / fps


def plan_cleanup(
    words: Sequence[Word],
    duration: float,
    envelope: Envelope,
    *,
    remove_fillers: bool,
    remove_silences: bool,
    fps: float = 25.0,
    max_pause: float = MAX_PAUSE_S,
    keep_pause: float = KEEP_PAUSE_S,
) -> EditList:
    """The edit list for a clip: words in clip time, the clip's loudness envelope."""
    sound = islands(envelope, duration)
    fillers = _filler_cuts(words, sound, keep_pause) if remove_fillers else []
    pauses = _pause_cuts(words, sound, max_pause, keep_pause) if remove_silences else []
    cuts = sorted(
        (Span(_snap(c.start, fps), _snap(c.end, fps)) for c in fillers + pauses),
        key=lambda c: c.start,
    )
    merged: list[Span] = []
    for c in cuts:
        if c.length <= 0:
            continue
        if merged and c.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, c.end))
        else:
            merged.append(c)
    keep: list[Span] = []
    pos = 0.0
    for c in merged:
        if c.start > pos:
            keep.append(Span(pos, c.start))
        pos = max(pos, c.end)
    if pos < duration:
        keep.append(Span(pos, duration))
    return EditList(tuple(keep), len(fillers), len(pauses))


__all__ = ["FILLERS", "EditList", "Span", "is_filler", "islands", "plan_cleanup"]
