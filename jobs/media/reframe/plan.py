"""From a clip's face analysis to crop windows for a reframe mode.

CENTER: one still window in the middle. SPEAKER: one window following whoever speaks, a cut
when the speaker or the scene changes. SPLIT (for 9:16): two half-height panels stacked,
each following one of the two main faces. Each mode falls back to the next simpler one
when the faces are not there, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jobs.media.reframe.analysis import FaceAnalysis
from jobs.media.reframe.geometry import Box, window_fraction
from jobs.media.reframe.path import CropPath, fixed_path, smooth_path
from jobs.media.reframe.tracking import Track

Reframe = Literal["CENTER", "SPEAKER", "SPLIT"]
HOLD_S = 1.0  # a track's last box is held this long across missed detections
SPLIT_FACE_SHARE = 0.45  # a panel is zoomed until the face is this share of its height
SPLIT_MIN_OVERLAP = 0.5  # both faces on screen together this share of the clip

NO_FACE = "No face was found, so the export is centre-cropped."
ONE_FACE = "Fewer than two faces are on screen together, so the export follows the speaker."
SPLIT_ASPECT = "The split layout is for 9:16 only, so the export follows the speaker."


@dataclass(frozen=True)
class ReframePlan:
    """Crop windows stacked top to bottom (one, or two for SPLIT), the mode actually used,
    and a message for the user when it differs from the one asked for."""

    mode: Reframe
    windows: tuple[CropPath, ...]
    message: str = ""


def center_plan(src_aspect: float, out_aspect: float, message: str = "") -> ReframePlan:
    w, h = window_fraction(round(src_aspect * 1000), 1000, out_aspect)
    return ReframePlan("CENTER", (fixed_path(w, h),), message)


def _speaker_plan(a: FaceAnalysis, out_aspect: float) -> ReframePlan:
    w, h = window_fraction(a.size.width, a.size.height, out_aspect)
    by_id = {tr.id: tr for tr in a.tracks}
    spans = a.speakers

    def focus(t: float) -> Box | None:
        span = next((s for s in reversed(spans) if s.start <= t + 1e-6), None)
        return by_id[span.track_id].box_at(t, hold=HOLD_S) if span is not None else None

    switches = [
        s.start for prev, s in zip(spans, spans[1:], strict=False) if s.track_id != prev.track_id
    ]
    cuts = sorted(set(a.scene_cuts) | set(switches))
    return ReframePlan("SPEAKER", (smooth_path(focus, a.duration, w, h, cuts=cuts),))


def _overlap(a: Track, b: Track) -> float:
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def _panel(a: FaceAnalysis, track: Track, panel_aspect: float) -> CropPath:
    full_w, full_h = window_fraction(a.size.width, a.size.height, panel_aspect)
    zoom = max(1.0, SPLIT_FACE_SHARE * full_h / max(track.median_height, 1e-6))
    w, h = window_fraction(a.size.width, a.size.height, panel_aspect, zoom)
    return smooth_path(lambda t: track.box_at(t, hold=HOLD_S), a.duration, w, h, cuts=a.scene_cuts)


def plan_reframe(a: FaceAnalysis | None, mode: Reframe, out_w: int, out_h: int) -> ReframePlan:
    """Crop windows for `mode` at the output size out_w x out_h."""
    out_aspect = out_w / out_h
    if mode == "CENTER" or a is None:
        return center_plan(a.aspect if a else 16 / 9, out_aspect)
    if not a.tracks:
        return center_plan(a.aspect, out_aspect, NO_FACE)
    if mode == "SPLIT":
        if out_h <= out_w:
            return _with_message(_speaker_plan(a, out_aspect), SPLIT_ASPECT)
        pairs = [(_overlap(x, y), x, y) for i, x in enumerate(a.tracks) for y in a.tracks[i + 1 :]]
        best = max(pairs, key=lambda p: p[0], default=None)
        if best is None or best[0] < SPLIT_MIN_OVERLAP * a.duration:
            return _with_message(_speaker_plan(a, out_aspect), ONE_FACE)
        left, right = sorted(best[1:], key=lambda tr: tr.boxes[len(tr.boxes) // 2].cx)
        panel_aspect = out_w / (out_h / 2)
        return ReframePlan("SPLIT", (_panel(a, left, panel_aspect), _panel(a, right, panel_aspect)))
    return _speaker_plan(a, out_aspect)


def _with_message(plan: ReframePlan, message: str) -> ReframePlan:
    return ReframePlan(plan.mode, plan.windows, message)


__all__ = ["NO_FACE", "ONE_FACE", "Reframe", "ReframePlan", "center_plan", "plan_reframe"]
