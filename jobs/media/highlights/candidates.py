"""Candidate clip windows: runs of consecutive whole sentences lasting [min, max] seconds.

Every candidate starts on its first word's start and ends on its last word's end, so a cut
never lands mid-word. Long videos would give tens of thousands of windows; they are thinned
evenly over time to a fixed cap: a few lengths per start sentence, and in each run of
`stride` consecutive start sentences only the one that opens best (a hook, no dangling
"and / so / he") is kept, so thinning does not skip the one great opening line.

Each window then opens on its strongest line (openings.py): a clearly stronger hook in its
first seconds, never a filler line; windows that cannot are dropped, unless none can.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from jobs.media.highlights.openings import Lines, shortest_clip
from jobs.media.highlights.sentences import Sentence, clip_sentences
from jobs.media.highlights.signals import detect_hook, start_score
from jobs.media.types import Candidate, TranscriptResult

DEFAULT_MAX_CANDIDATES = 600
ENDS_PER_START = 3


def build_candidates(
    transcript: TranscriptResult,
    *,
    min_seconds: float = 20.0,
    max_seconds: float = 60.0,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    sentences: Sequence[Sentence] | None = None,
) -> list[Candidate]:
    """All sentence-aligned windows within [min_seconds, max_seconds], thinned to a cap.

    A video whose whole speech is shorter than `min_seconds` yields one candidate spanning
    all of it, so a short upload still gets a clip; otherwise the range is strict.
    """
    if min_seconds <= 0 or max_seconds < min_seconds:
        raise ValueError(f"bad clip length range [{min_seconds}, {max_seconds}]")
    if sentences is None:
        sentences = clip_sentences(transcript.words, max_seconds)
    sents = list(sentences)
    if not sents:
        return []
    if sents[-1].end - sents[0].start < min_seconds:
        return [_window(sents, 0, len(sents) - 1)]
    lines = Lines.rate(sents)
    ends = _valid_ends(sents, min_seconds, max_seconds)
    pairs = _thin(ends, max_candidates, lambda i: _opening(sents, i))
    kept = _open_well(lines, pairs, min_seconds, max_seconds, max_candidates)
    return [_window(sents, i, j) for i, j in kept]


def _open_well(
    lines: Lines, pairs: list[tuple[int, int]], lo: float, hi: float, cap: int
) -> list[tuple[int, int]]:
    """Windows moved onto their best opening lines (see the module doc), duplicates merged.

    Second openings offered beside a sound first line fill what room the cap leaves.
    """
    for last_resort in (False, True):
        shortest = shortest_clip(lo, last_resort=last_resort)
        firsts: list[tuple[int, int]] = []
        extras: list[tuple[int, int]] = []
        for i, j in pairs:
            got = lines.refine(i, j, min_seconds=lo, max_seconds=hi, shortest=shortest)
            firsts += got[:1]
            extras += got[1:]
        kept = list(dict.fromkeys(firsts))
        seen = set(kept)
        extras = [w for w in dict.fromkeys(extras) if w not in seen]
        kept += [extras[k] for k in _spread(range(len(extras)), max(0, cap - len(kept)))]
        if kept:
            return kept
    return pairs  # every line is filler: nothing better to open on


def _valid_ends(sents: Sequence[Sentence], lo: float, hi: float) -> list[list[int]]:
    """For each start sentence i, the end sentences j giving a duration in [lo, hi]."""
    out: list[list[int]] = []
    for i, first in enumerate(sents):
        js: list[int] = []
        for j in range(i, len(sents)):
            d = sents[j].end - first.start
            if d > hi:
                break
            if d >= lo:
                js.append(j)
        out.append(js)
    return out


def _spread(items: Sequence[int], k: int) -> list[int]:
    """k items evenly spaced over a sequence, always keeping the first and the last."""
    if k <= 0:
        return []
    if len(items) <= k:
        return list(items)
    if k == 1:
        return [items[len(items) // 2]]
    step = (len(items) - 1) / (k - 1)
    return sorted({items[round(n * step)] for n in range(k)})


def _opening(sents: Sequence[Sentence], i: int) -> float:
    """How well a window starting at sentence i opens (cheap: its first ~5 s only)."""
    words = [w for s in sents[i : i + 2] for w in s.words]
    return detect_hook(words).score + start_score(words)


def _thin(
    ends: list[list[int]], cap: int, quality: Callable[[int], float]
) -> list[tuple[int, int]]:
    total = sum(len(js) for js in ends)
    if total <= cap:
        return [(i, j) for i, js in enumerate(ends) for j in js]
    per_start = [_spread(js, ENDS_PER_START) for js in ends]
    starts = [i for i, js in enumerate(per_start) if js]
    avg = sum(len(per_start[i]) for i in starts) / len(starts)
    stride = max(1, math.ceil(len(starts) * avg / cap))
    chosen = [
        max(starts[k : k + stride], key=lambda i: (quality(i), -i))
        for k in range(0, len(starts), stride)
    ]
    pairs = [(i, j) for i in chosen for j in per_start[i]]
    if len(pairs) > cap:  # uneven lengths per start: drop evenly, never just the tail
        step = (len(pairs) - 1) / (cap - 1) if cap > 1 else 0.0
        pairs = [pairs[round(k * step)] for k in range(cap)]
    return pairs


def _window(sents: Sequence[Sentence], i: int, j: int) -> Candidate:
    words = tuple(w for s in sents[i : j + 1] for w in s.words)
    return Candidate(start=words[0].start, end=words[-1].end, words=words)
