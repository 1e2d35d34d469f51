"""The face detector interface the reframer depends on: one method, plain data out.

Any detector (dlib's HOG or CNN, or another one later) plugs in behind this protocol; the
tracker, speaker picker and crop path never see the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from jobs.media.reframe.geometry import Box


@dataclass(frozen=True)
class Face:
    """One face in one frame. `mouth` is the lip opening over the face height (None when the
    detector has no landmarks); it is the active-speaker cue."""

    box: Box
    mouth: float | None = None
    score: float = 1.0


class FaceDetector(Protocol):
    """Finds faces in one greyscale frame (uint8, H x W). `parallel`: detect may run on
    several threads at once (and releases the GIL while it works)."""

    name: str
    parallel: bool

    def detect(self, frame: np.ndarray) -> list[Face]: ...


__all__ = ["Face", "FaceDetector"]
