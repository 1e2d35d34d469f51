"""Scene changes from the sampled frames: a cut is a sample that differs from the one
before far more than the footage usually moves (mean absolute difference of small thumbs).

Costs nothing extra: the frames are decoded for face detection anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

THUMB = (36, 64)  # rows, columns
MIN_DIFF = 28.0  # grey levels (0..255): below this nothing is a cut
RELATIVE = 4.0  # and this many times the median difference of the clip


def thumb(frame: np.ndarray) -> np.ndarray:
    """A small float copy of a grey frame (block means), for cheap comparisons."""
    h, w = frame.shape
    rows = np.linspace(0, h, THUMB[0] + 1).astype(int)
    cols = np.linspace(0, w, THUMB[1] + 1).astype(int)
    out = np.add.reduceat(np.add.reduceat(frame.astype(np.float32), rows[:-1], 0), cols[:-1], 1)
    sizes = np.outer(np.diff(rows), np.diff(cols)).astype(np.float32)
    return np.asarray(out / np.maximum(sizes, 1.0))


def scene_cuts(times: Sequence[float], diffs: Sequence[float]) -> list[float]:
    """Times of the samples that start a new scene; diffs[i] compares sample i with i-1
    (diffs[0] is ignored)."""
    if len(diffs) < 2:
        return []
    values = np.asarray(diffs[1:], float)
    threshold = max(MIN_DIFF, RELATIVE * float(np.median(values)))
    return [float(times[i]) for i in range(1, len(diffs)) if diffs[i] >= threshold]


__all__ = ["scene_cuts", "thumb"]
