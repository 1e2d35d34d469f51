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
from collections.abc import Callable, Sequence
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
MIN_KEEP_S = 0.1  # a kept piece shorter than this between two cuts is cut too


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

    def retime(
        self, words: Sequence[Word], *, drop: Callable[[str], bool] | None = None
    ) -> list[Word]:
        """Words on the output's timeline. A word keeps its part in the kept span it
        overlaps most (Whisper stretches words into pauses that get cut); words with
        nothing left, and those `drop` says (fillers), are left out."""
        result: list[Word] = []
        for w in words:
            if drop is not None and drop(w.text):
                continue
            best = max(self.keep, key=lambda s: min(w.end, s.end) - max(w.start, s.start))
            if min(w.end, best.end) - max(w.start, best.start) <= 0 and w.end > w.start:
                continue
            start = self.map_time(min(max(w.start, best.start), best.end))
            end = self.map_time(min(max(w.end, best.start), best.end))
            assert start is not None and end is not None
            result.append(Word(round(start, 3), round(max(start, end), 3), w.text, w.probability))
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


def _owned(island: Span, words: Sequence[Word]) -> bool:
    """A kept word's middle falls in the island: it is that word's sound."""
    return any(island.start - 0.05 <= (w.start + w.end) / 2 <= island.end + 0.05 for w in words)


def _filler_cuts(words: Sequence[Word], sound: Sequence[Span], keep: float) -> list[Span]:
    """For each run of fillers between two kept words: the islands in between that no kept
    word owns and that lie near the fillers' (rough) times, cut with the silence around
    them down to `keep`."""
    cuts: list[Span] = []
    kept_words = [w for w in words if not is_filler(w.text)]
    kept = [(i, w) for i, w in enumerate(words) if not is_filler(w.text)]
    for (ia, a), (ib, b) in zip(kept, kept[1:], strict=False):
        if ib - ia < 2:  # no filler between these two words
            continue
        near = [(w.start - 0.5, w.end + 0.5) for w in words[ia + 1 : ib]]
        lo, hi = (a.start + a.end) / 2, (b.start + b.end) / 2
        fillers = [
            s
            for s in sound
            if lo < s.start
            and s.end < hi
            and not _owned(s, kept_words)
            and any(s.start < n1 and s.end > n0 for n0, n1 in near)
        ]
        if not fillers:
            continue  # the filler is glued to a word: no silence to cut in, leave it
        left = max((s.end for s in sound if s.end <= fillers[0].start), default=a.start)
        right = min((s.start for s in sound if s.start >= fillers[-1].end), default=b.start)
        if right - left > keep:
            cuts.append(Span(left + keep / 2, right - keep / 2))
    return cuts


def _pause_cuts(
    words: Sequence[Word], sound: Sequence[Span], max_pause: float, keep: float
) -> list[Span]:
    if not words:
        return []
    first, last = words[0].start, words[-1].end
    kept = [w for w in words if not is_filler(w.text)]
    cuts: list[Span] = []
    for s0, s1 in zip(sound, sound[1:], strict=False):
        gap = Span(s0.end, s1.start)
        if gap.length <= max_pause or gap.end <= first or gap.start >= last:
            continue
        # a whole word inside the "silence": quiet speech Whisper heard, not a pause (its
        # words often stretch into a pause, so overlapping the edges does not count)
        if any(gap.start + 0.05 < w.start and w.end < gap.end - 0.05 for w in kept):
            continue
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
        if c.start - pos >= MIN_KEEP_S or (c.start > pos and not keep):
            keep.append(Span(pos, c.start))  # slivers between two cuts go (crossfades need room)
        pos = max(pos, c.end)
    if pos < duration:
        keep.append(Span(pos, duration))
    return EditList(tuple(keep), len(fillers), len(pauses))


__all__ = ["FILLERS", "EditList", "Span", "is_filler", "islands", "plan_cleanup"]
