"""Who speaks when: each face's mouth movement correlated with the audio's loudness.

Over a sliding window (2 s), a speaking face's lip opening rises and falls with the
loudness while a listener's does not; the best-correlated face is the candidate. The view
changes only when a candidate beats the current speaker by a margin for a while and the
current one has been on screen long enough (hysteresis), so it does not flip on every word.
One face is simply followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jobs.media.reframe.tracking import Track

WINDOW_S = 2.0  # correlation window
MARGIN = 0.1  # a challenger's (smoothed) score must beat the speaker's by this much ...
HOLD_S = 0.6  # ... for this long ...
MIN_DWELL_S = 1.5  # ... and the speaker must have had the view this long
SPEECH_DB = -45.0  # windows with no sample louder than this carry no evidence
MIN_POINTS = 5


@dataclass(frozen=True)
class SpeakerSpan:
    start: float
    end: float
    track_id: int


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < MIN_POINTS:
        return 0.0
    x, y = a[ok], b[ok]
    sx, sy = float(x.std()), float(y.std())
    if sx < 1e-6 or sy < 1e-6:
        return 0.0
    return float(np.mean((x - x.mean()) * (y - y.mean())) / (sx * sy))


def mouth_series(track: Track, times: Sequence[float]) -> np.ndarray:
    """The track's mouth value at each sample time (NaN where not detected)."""
    index = {round(t, 4): m for t, m in zip(track.times, track.mouths, strict=True)}
    out = np.full(len(times), np.nan)
    for i, t in enumerate(times):
        m = index.get(round(t, 4))
        if m is not None:
            out[i] = m
    return out


def speaker_scores(
    tracks: Sequence[Track], times: Sequence[float], loudness_db: np.ndarray
) -> np.ndarray:
    """scores[k, i]: correlation of track k's mouth with loudness around sample i, times how
    much it moves relative to the liveliest mouth (NaN: track absent or window silent)."""
    n = len(times)
    step = (times[1] - times[0]) if n > 1 else 1.0
    half = max(2, round(WINDOW_S / step / 2))
    mouths = [mouth_series(tr, times) for tr in tracks]
    scores = np.full((len(tracks), n), np.nan)
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        audio = loudness_db[lo:hi]
        if audio.size == 0 or float(audio.max()) < SPEECH_DB:
            continue
        spread = np.array([float(np.nanstd(m[lo:hi])) if _seen(m[lo:hi]) else 0.0 for m in mouths])
        top = float(spread.max())
        for k, m in enumerate(mouths):
            if not np.isnan(m[i]) and top > 1e-4:
                # correlation says "in time with the voice", the spread "really moving":
                # a still mouth's jitter can correlate by chance, but it is tiny
                corr = _corr(m[lo:hi], np.maximum(audio, SPEECH_DB - 20))
                scores[k, i] = corr * spread[k] / top
    return scores


def _seen(values: np.ndarray) -> bool:
    return int((~np.isnan(values)).sum()) >= MIN_POINTS


def _smooth(scores: np.ndarray, width: int = 3) -> np.ndarray:
    """Moving average along time, ignoring NaN (absent faces, silent windows)."""
    out = np.full_like(scores, np.nan)
    half = width // 2
    for i in range(scores.shape[1]):
        block = scores[:, max(0, i - half) : i + half + 1]
        seen = ~np.isnan(block)
        total = np.where(seen, block, 0.0).sum(axis=1)
        count = seen.sum(axis=1)
        out[:, i] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def choose_speakers(
    tracks: Sequence[Track], times: Sequence[float], loudness_db: np.ndarray | None
) -> list[SpeakerSpan]:
    """The face to show over time, as spans; empty when there are no tracks."""
    if not tracks or not times:
        return []
    n = len(times)
    step = (times[1] - times[0]) if n > 1 else 1.0
    present = np.array([[tr.box_at(t) is not None for t in times] for tr in tracks])
    if len(tracks) == 1 or loudness_db is None:
        scores = np.zeros((len(tracks), n))
    else:
        scores = _smooth(speaker_scores(tracks, times, loudness_db))
    # a face's claim: its score where it is present; the larger face wins ties (closer)
    sizes = np.array([tr.median_height for tr in tracks])
    claim = np.where(present, np.nan_to_num(scores, nan=0.0), -np.inf)
    claim = claim + (sizes / max(float(sizes.max()), 1e-6))[:, None] * 1e-3
    hold = max(1, round(HOLD_S / step))
    dwell = max(1, round(MIN_DWELL_S / step))
    current = -1
    since = 0
    challenger, challenge = -1, 0
    chosen: list[int] = []
    for i in range(n):
        best = int(np.argmax(claim[:, i]))
        if not np.isfinite(claim[best, i]):
            chosen.append(current)  # nobody visible: keep the view where it was
            continue
        if current < 0 or not present[current, i]:
            current, since, challenger, challenge = best, i, -1, 0
        elif best != current and claim[best, i] - claim[current, i] > MARGIN:
            challenge = challenge + 1 if best == challenger else 1
            challenger = best
            if challenge >= hold and i - since >= dwell:
                # offline: the switch is dated back to when the challenger took over
                first = i - challenge + 1
                chosen[first:i] = [best] * (i - first)
                current, since, challenger, challenge = best, first, -1, 0
        else:
            challenger, challenge = -1, 0
        chosen.append(current)
    spans: list[SpeakerSpan] = []
    for i, k in enumerate(chosen):
        if k < 0:
            continue
        t0 = times[i]
        t1 = times[i + 1] if i + 1 < n else times[i] + step
        tid = tracks[k].id
        if spans and spans[-1].track_id == tid and abs(spans[-1].end - t0) < 1e-6:
            spans[-1] = SpeakerSpan(spans[-1].start, t1, tid)
        else:
            spans.append(SpeakerSpan(t0, t1, tid))
    return spans


__all__ = ["SpeakerSpan", "choose_speakers", "mouth_series", "speaker_scores"]
