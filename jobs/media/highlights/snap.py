"""Snap free-form cut times (from an LLM) onto word boundaries and sentence edges.

Returned times are always an existing word's start and a later word's end, moved to a
sentence edge when one is within `tolerance` seconds, with the duration brought into
[min_seconds, max_seconds] whenever the transcript allows it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jobs.media.highlights.sentences import Sentence

SENTENCE_TOLERANCE = 2.0


def snap_clip(
    start: float,
    end: float,
    sentences: Sequence[Sentence],
    *,
    min_seconds: float,
    max_seconds: float,
    tolerance: float = SENTENCE_TOLERANCE,
) -> tuple[float, float] | None:
    """Word-aligned (start, end) near the asked times, or None if they miss the transcript."""
    words = [w for s in sentences for w in s.words]
    if not words:
        return None
    first, last = words[0].start, words[-1].end
    start, end = max(start, first), min(end, last)
    if end <= start:
        return None
    w_starts = [w.start for w in words]
    w_ends = [w.end for w in words]
    s_starts = [s.start for s in sentences]
    s_ends = [s.end for s in sentences]

    a = _nearest(s_starts, start, tolerance)
    if a is None:
        a = min(w_starts, key=lambda t: abs(t - start))
    b = _nearest([t for t in s_ends if t > a], end, tolerance)
    if b is None:
        b = min((t for t in w_ends if t > a), key=lambda t: abs(t - end))

    if b - a > max_seconds:
        b = _pick(
            max,
            [t for t in s_ends if a + min_seconds <= t <= a + max_seconds],
            [t for t in w_ends if a < t <= a + max_seconds],
            [t for t in w_ends if t > a][:1],  # one word longer than the limit
        )
    elif b - a < min_seconds:
        longer = _pick(
            min,
            [t for t in s_ends if a + min_seconds <= t <= a + max_seconds],
            [t for t in w_ends if a + min_seconds <= t <= a + max_seconds],
        )
        if longer is not None:
            b = longer
        else:  # the transcript ends too soon: open earlier instead
            earlier = _pick(
                max,
                [t for t in s_starts if min_seconds <= b - t <= max_seconds],
                [t for t in w_starts if min_seconds <= b - t <= max_seconds],
            )
            if earlier is not None:
                a = earlier
    assert b is not None
    return a, b


def _nearest(times: Sequence[float], target: float, tolerance: float) -> float | None:
    best = min(times, key=lambda t: abs(t - target), default=None)
    if best is None or abs(best - target) > tolerance:
        return None
    return best


def _pick(choose: Callable[[list[float]], float], *options: list[float]) -> float | None:
    """`choose` over the first non-empty list of options (preferred options first)."""
    for opt in options:
        if opt:
            return choose(opt)
    return None
