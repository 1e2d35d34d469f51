"""Boxes in normalised frame coordinates (0..1 of width and height) and crop window sizes.

Normalised coordinates let the analysis run on a downscaled stream while the render crops
the original frame: FFmpeg multiplies them by the input's own width and height.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """An axis-aligned box, normalised: x0 < x1 and y0 < y1 in [0, 1]-ish (may overhang)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def lerp(self, other: Box, f: float) -> Box:
        """The box a fraction f of the way to other (f in [0, 1])."""
        return Box(
            self.x0 + (other.x0 - self.x0) * f,
            self.y0 + (other.y0 - self.y0) * f,
            self.x1 + (other.x1 - self.x1) * f,
            self.y1 + (other.y1 - self.y1) * f,
        )


def iou(a: Box, b: Box) -> float:
    """Intersection over union, 0 for disjoint boxes."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def window_fraction(
    src_w: int, src_h: int, aspect: float, zoom: float = 1.0
) -> tuple[float, float]:
    """Width and height, as fractions of the source, of the largest window of `aspect`
    (width / height) that fits, shrunk by `zoom` (>= 1 zooms in)."""
    if src_w <= 0 or src_h <= 0 or aspect <= 0:
        raise ValueError("bad frame size or aspect")
    if src_w / src_h > aspect:  # source wider: full height
        wf, hf = aspect * src_h / src_w, 1.0
    else:
        wf, hf = 1.0, src_w / aspect / src_h
    return wf / zoom, hf / zoom


__all__ = ["Box", "iou", "window_fraction"]
