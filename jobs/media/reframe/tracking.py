"""Faces linked across samples into tracks (one per person), with gaps interpolated.

Association is greedy on IoU, falling back to centre distance for faces that moved more
than their width between samples; a track survives a few missed detections (a turned head,
a blink of the detector) before it ends.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from jobs.media.reframe.detector import Face
from jobs.media.reframe.geometry import Box, iou

MIN_IOU = 0.2
MAX_CENTRE_JUMP = 1.5  # in face widths, for matches with little overlap
MAX_MISSES = 5  # samples a track may go unseen (1 s at 5 fps)
MIN_HITS = 3  # shorter tracks are detector noise


@dataclass
class Track:
    """One person's face over time: sample times and boxes (only where detected)."""

    id: int
    times: list[float] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    mouths: list[float | None] = field(default_factory=list)
    misses: int = 0

    @property
    def start(self) -> float:
        return self.times[0]

    @property
    def end(self) -> float:
        return self.times[-1]

    def box_at(self, t: float, *, hold: float = 0.0) -> Box | None:
        """The box at t, interpolated between detections; held for `hold` seconds past the
        ends; None outside."""
        if not self.times or t < self.start - hold or t > self.end + hold:
            return None
        if t <= self.start:
            return self.boxes[0]
        if t >= self.end:
            return self.boxes[-1]
        lo, hi = 0, len(self.times) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.times[mid] <= t:
                lo = mid
            else:
                hi = mid
        t0, t1 = self.times[lo], self.times[hi]
        f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        return self.boxes[lo].lerp(self.boxes[hi], f)

    @property
    def median_height(self) -> float:
        heights = sorted(b.height for b in self.boxes)
        return heights[len(heights) // 2] if heights else 0.0


def _match_cost(track: Track, face: Face) -> float | None:
    last = track.boxes[-1]
    overlap = iou(last, face.box)
    if overlap >= MIN_IOU:
        return 1.0 - overlap
    jump = math.hypot(last.cx - face.box.cx, last.cy - face.box.cy) / max(last.width, 1e-6)
    if jump <= MAX_CENTRE_JUMP:
        return 1.0 + jump
    return None


def build_tracks(
    samples: Sequence[tuple[float, Sequence[Face]]], scene_cuts: Sequence[float] = ()
) -> list[Track]:
    """Tracks from (time, faces) per sample, in time order; short noise tracks dropped.
    A scene cut ends every track: the face at the same place after it is someone else."""
    active: list[Track] = []
    done: list[Track] = []
    next_id = 0
    cuts = sorted(scene_cuts)
    for t, faces in samples:
        while cuts and cuts[0] <= t + 1e-6:
            cuts.pop(0)
            done += active
            active = []
        pairs = sorted(
            (cost, ti, fi)
            for ti, track in enumerate(active)
            for fi, face in enumerate(faces)
            if (cost := _match_cost(track, face)) is not None
        )
        used_t: set[int] = set()
        used_f: set[int] = set()
        for _cost, ti, fi in pairs:
            if ti in used_t or fi in used_f:
                continue
            used_t.add(ti)
            used_f.add(fi)
            track = active[ti]
            track.times.append(t)
            track.boxes.append(faces[fi].box)
            track.mouths.append(faces[fi].mouth)
            track.misses = 0
        for ti, track in enumerate(active):
            if ti not in used_t:
                track.misses += 1
        for fi, face in enumerate(faces):
            if fi not in used_f:
                active.append(Track(next_id, [t], [face.box], [face.mouth]))
                next_id += 1
        done += [tr for tr in active if tr.misses > MAX_MISSES]
        active = [tr for tr in active if tr.misses <= MAX_MISSES]
    kept = [tr for tr in done + active if len(tr.times) >= MIN_HITS]
    return sorted(kept, key=lambda tr: tr.id)


__all__ = ["Track", "build_tracks"]
