"""Reframing logic on plain data: tracking, speaker hysteresis, crop path smoothing, the
FFmpeg expression, window sizes and plan fallbacks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jobs.media.export.expression import piecewise
from jobs.media.reframe.detector import Face
from jobs.media.reframe.geometry import Box, iou, window_fraction
from jobs.media.reframe.path import DEAD_ZONE, CropPath, PathKey, smooth_path
from jobs.media.reframe.speaker import choose_speakers
from jobs.media.reframe.tracking import build_tracks


def box(cx: float, cy: float = 0.5, size: float = 0.2) -> Box:
    return Box(cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2)


def test_window_fraction_fits_the_aspect() -> None:
    w, h = window_fraction(1920, 1080, 9 / 16)
    assert h == 1.0 and w * 1920 == pytest.approx(1080 * 9 / 16)
    w, h = window_fraction(1080, 1920, 16 / 9)
    assert w == 1.0 and h * 1920 == pytest.approx(1080 * 9 / 16)
    assert window_fraction(1920, 1080, 9 / 8, zoom=2.0)[1] == 0.5
    assert iou(box(0.3), box(0.3)) == pytest.approx(1.0) and iou(box(0.1), box(0.9)) == 0.0


def test_tracks_follow_two_faces_and_bridge_a_missed_detection() -> None:
    samples = []
    for i in range(20):
        t = i * 0.2
        faces = [Face(box(0.2 + 0.01 * i)), Face(box(0.8 - 0.01 * i))]
        if i == 7:
            faces = faces[:1]  # the detector misses the right face once
        samples.append((t, faces))
    samples.append((4.0, [Face(box(0.5, 0.1, 0.05))]))  # one-off noise
    tracks = build_tracks(samples)
    assert len(tracks) == 2
    left, right = sorted(tracks, key=lambda tr: tr.boxes[0].cx)
    assert len(left.times) == 20 and len(right.times) == 19
    mid = right.box_at(1.4)
    assert mid is not None and mid.cx == pytest.approx(0.8 - 0.07, abs=1e-6)


def test_a_scene_cut_ends_tracks() -> None:
    samples = [(i * 0.2, [Face(box(0.5))]) for i in range(10)]
    assert len(build_tracks(samples, scene_cuts=[1.0])) == 2


def _tracks_for_dialogue(times: list[float], who: list[int]) -> tuple[list, np.ndarray]:
    rng = np.random.default_rng(1)
    loud = np.where(rng.random(len(times)) > 0.3, -20.0, -60.0)
    samples = []
    for i, t in enumerate(times):
        faces = []
        for side, cx in ((0, 0.25), (1, 0.75)):
            opening = 0.05 + (0.004 * (loud[i] + 60) if who[i] == side else 0.0)
            faces.append(Face(box(cx), mouth=opening + rng.normal(0, 0.002)))
        samples.append((t, faces))
    return build_tracks(samples), loud


def test_the_speaking_face_is_chosen_with_hysteresis() -> None:
    times = [i * 0.2 for i in range(60)]
    who = [0 if t < 6.0 else 1 for t in times]
    tracks, loud = _tracks_for_dialogue(times, who)
    spans = choose_speakers(tracks, times, loud)
    by_id = {tr.id: tr for tr in tracks}
    sides = [round(by_id[s.track_id].boxes[0].cx) for s in spans]  # 0: left, 1: right
    assert sides == [0, 1]  # exactly one switch, no flicker
    assert spans[1].start == pytest.approx(6.0, abs=1.0)


def test_a_single_face_is_followed_without_audio() -> None:
    times = [i * 0.2 for i in range(10)]
    tracks = build_tracks([(t, [Face(box(0.4))]) for t in times])
    spans = choose_speakers(tracks, times, None)
    assert [(s.start, s.track_id) for s in spans] == [(0.0, tracks[0].id)]


def test_path_is_still_inside_the_dead_zone_and_eases_to_a_new_place() -> None:
    width = 0.3

    def focus(t: float) -> Box:
        jitter = 0.3 * DEAD_ZONE * width * math.sin(t * 7)  # detector noise
        return box((0.3 if t < 2.0 else 0.7) + jitter)

    path = smooth_path(focus, 5.0, width, 1.0)
    xs = [path.centre_at(i * 0.04)[0] for i in range(126)]
    still = np.abs(np.diff(xs[:35]))  # (it moves off a little early: it knows the future)
    assert still.max() < 1e-9  # jitter inside the dead zone does not move the window
    moves = np.abs(np.diff(xs))
    assert moves.max() < 0.05  # eased: at most 5 % of the frame per 40 ms
    start_move = np.argmax(moves > 1e-6)
    assert moves[start_move] < moves.max() / 3  # starts slowly ...
    assert xs[-1] == pytest.approx(0.7, abs=0.3 * DEAD_ZONE * width)  # ... and arrives
    assert len(path.keys) < 60  # still stretches are collapsed


def test_path_cuts_at_a_scene_change_instead_of_panning() -> None:
    path = smooth_path(lambda t: box(0.25 if t < 2.0 else 0.75), 4.0, 0.3, 1.0, cuts=[2.0])
    assert path.centre_at(1.99)[0] == pytest.approx(0.25, abs=1e-3)
    assert path.centre_at(2.0)[0] == pytest.approx(0.75, abs=1e-3)


class _T:
    """Evaluates an FFmpeg expression of t with Python (the functions the path uses)."""

    @staticmethod
    def eval(expr: str, t: float) -> float:
        env = {
            "t": t,
            "lt": lambda a, b: 1.0 if a < b else 0.0,
            "if": None,
        }
        py = expr.replace("if(", "_if(")
        env["_if"] = lambda c, a, b: a if c else b
        return float(eval(py, {"__builtins__": {}}, env))  # noqa: S307 - our own expression


def test_expression_equals_the_path_at_every_frame() -> None:
    keys = (
        PathKey(0.0, 0.3, 0.5),
        PathKey(1.0, 0.3, 0.5),
        PathKey(1.6, 0.5, 0.5),
        PathKey(2.0, 0.8, 0.4, jump=True),
        PathKey(2.4, 0.6, 0.5),
        PathKey(3.0, 0.6, 0.5),
    )
    path = CropPath(0.3, 1.0, keys)
    expr = piecewise(keys, lambda k: k.cx)
    assert expr.count("if(") == len(keys) - 1  # a balanced tree: one test per boundary
    for i in range(100):
        t = i / 30
        assert _T.eval(expr, t) == pytest.approx(path.centre_at(t)[0], abs=1e-5), t


def test_a_moving_subject_is_not_a_scene_cut_but_a_new_picture_is() -> None:
    from jobs.media.reframe.scenes import is_cut, thumb

    base = np.tile(np.linspace(60, 120, 640, dtype=np.float32), (360, 1))
    a, b = base.copy(), base.copy()
    a[40:340, 100:400] = 200  # a bright subject ...
    b[40:340, 190:490] = 200  # ... moved 90 px
    other = np.full((360, 640), 30, np.float32)
    other[:, 320:] = 230
    ta, tb, tc = (thumb(x.astype(np.uint8)) for x in (a, b, other))
    assert not is_cut(ta, tb)
    assert is_cut(tb, tc)
