"""Scene changes from the sampled frames, at no extra decoding cost.

A cut changes most of the picture and its tones at once; a person moving changes a part of
it and keeps the tones. So a sample starts a new scene when most cells of a small
thumbnail changed a lot AND the grey-level histogram changed too (measured: a head and
shoulders crossing the frame at 450 px/s changed 55 % of the cells, its histogram < 0.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

THUMB = (36, 64)  # rows, columns
CELL_DIFF = 25.0  # grey levels: a cell "changed"
CHANGED_SHARE = 0.5  # of the cells ...
HIST_BINS = 16
HIST_DISTANCE = 0.3  # ... and half the L1 distance of normalised histograms (0..1)


@dataclass(frozen=True)
class Thumb:
    cells: np.ndarray
    hist: np.ndarray


def thumb(frame: np.ndarray) -> Thumb:
    """Block means of a grey frame and its normalised histogram."""
    h, w = frame.shape
    rows = np.linspace(0, h, THUMB[0] + 1).astype(int)
    cols = np.linspace(0, w, THUMB[1] + 1).astype(int)
    sums = np.add.reduceat(np.add.reduceat(frame.astype(np.float32), rows[:-1], 0), cols[:-1], 1)
    sizes = np.outer(np.diff(rows), np.diff(cols)).astype(np.float32)
    hist = np.bincount((frame // (256 // HIST_BINS)).ravel(), minlength=HIST_BINS)
    return Thumb(sums / np.maximum(sizes, 1.0), hist / max(1, frame.size))


def is_cut(a: Thumb, b: Thumb) -> bool:
    changed = float((np.abs(a.cells - b.cells) > CELL_DIFF).mean())
    moved_tones = float(np.abs(a.hist - b.hist).sum()) / 2
    return changed >= CHANGED_SHARE and moved_tones >= HIST_DISTANCE


def scene_cuts(times: Sequence[float], thumbs: Sequence[Thumb]) -> list[float]:
    """Times of the samples that start a new scene."""
    return [float(times[i]) for i in range(1, len(thumbs)) if is_cut(thumbs[i - 1], thumbs[i])]


__all__ = ["Thumb", "is_cut", "scene_cuts", "thumb"]
