"""A crop window's centre over time: steady while the subject stays in a dead zone, eased
when it moves (a critically damped spring: starts and stops without a jerk), and a cut
instead of a pan at a scene change or a change of speaker.

The path is kept as keyframes with linear interpolation between them and optional jumps;
export turns it into an FFmpeg expression of t evaluated for every frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jobs.media.reframe.geometry import Box

STEP_S = 0.04  # simulation step (25 per second)
DEAD_ZONE = 0.12  # of the window's size: the subject moves this far before the window does
SETTLE_S = 0.9  # a move takes about this long (spring)
LEAD_S = SETTLE_S / 2  # the window aims this far ahead (the spring's lag: 2 / omega)
HEADROOM = 0.1  # the face sits this fraction of the window above its centre (when y moves)
SIMPLIFY_EPS = 0.0005  # keyframes closer than this to the line through their neighbours go


@dataclass(frozen=True)
class PathKey:
    """The window's centre (normalised) from t on; `jump`: no interpolation from the key
    before (a cut)."""

    t: float
    cx: float
    cy: float
    jump: bool = False


@dataclass(frozen=True)
class CropPath:
    """A crop window of fixed size (fractions of the source) moving along keys."""

    width: float
    height: float
    keys: tuple[PathKey, ...]

    def centre_at(self, t: float) -> tuple[float, float]:
        keys = self.keys
        if t <= keys[0].t:
            return keys[0].cx, keys[0].cy
        lo, hi = 0, len(keys)
        while hi - lo > 1:  # last key with key.t <= t
            mid = (lo + hi) // 2
            if keys[mid].t <= t:
                lo = mid
            else:
                hi = mid
        a = keys[lo]
        if lo + 1 >= len(keys) or keys[lo + 1].jump:
            return a.cx, a.cy
        b = keys[lo + 1]
        f = (t - a.t) / (b.t - a.t) if b.t > a.t else 0.0
        return a.cx + (b.cx - a.cx) * f, a.cy + (b.cy - a.cy) * f

    def box_at(self, t: float) -> Box:
        """The window at t, normalised (top-left clamped inside the frame)."""
        cx, cy = self.centre_at(t)
        x0 = min(max(cx - self.width / 2, 0.0), 1.0 - self.width)
        y0 = min(max(cy - self.height / 2, 0.0), 1.0 - self.height)
        return Box(x0, y0, x0 + self.width, y0 + self.height)


def fixed_path(width: float, height: float, cx: float = 0.5, cy: float = 0.5) -> CropPath:
    return CropPath(width, height, (PathKey(0.0, cx, cy),))


def _clamp(v: float, half: float) -> float:
    return min(max(v, half), 1.0 - half)


class _Axis:
    """One coordinate of the window centre: a goal with a dead zone and a spring to it."""

    def __init__(self, size: float, start: float):
        self.half = size / 2
        self.zone = DEAD_ZONE * size
        self.goal = self.pos = _clamp(start, self.half)
        self.vel = 0.0
        self.omega = 4.0 / SETTLE_S  # critically damped: ~98 % of a move in SETTLE_S

    def aim(self, target: float, edge_out: bool) -> None:
        target = _clamp(target, self.half)
        if abs(target - self.goal) > self.zone or edge_out:
            self.goal = target

    def cut(self, target: float) -> None:
        self.goal = self.pos = _clamp(target, self.half)
        self.vel = 0.0

    def advance(self, dt: float) -> None:
        # exact step of x'' = w^2 (g - x) - 2 w x' (critically damped), stable at any dt
        w, d = self.omega, self.pos - self.goal
        e = math.exp(-w * dt)
        c2 = self.vel + w * d
        self.pos = self.goal + (d + c2 * dt) * e
        self.vel = (c2 - w * (d + c2 * dt)) * e


def smooth_path(
    focus: Callable[[float], Box | None],
    duration: float,
    width: float,
    height: float,
    *,
    cuts: Sequence[float] = (),
    step: float = STEP_S,
) -> CropPath:
    """Follow focus(t) (the box to keep in view, None: keep still) over [0, duration]."""
    first = next((b for i in range(int(duration / step) + 1) if (b := focus(i * step))), None)
    start = first or Box(0.5, 0.5, 0.5, 0.5)
    x = _Axis(width, start.cx)
    y = _Axis(height, start.cy + HEADROOM * height)
    pending = sorted(c for c in cuts if 0 < c < duration)
    keys: list[PathKey] = [PathKey(0.0, x.pos, y.pos)]
    lead = LEAD_S
    n = int(math.ceil(duration / step))
    for i in range(1, n + 1):
        t = min(i * step, duration)
        box = focus(t)
        jump = False
        while pending and pending[0] <= t + 1e-9:
            pending.pop(0)
            jump = True
        if jump and box is not None:
            x.cut(box.cx)
            y.cut(box.cy + HEADROOM * height)
        else:
            if box is not None:
                # offline, the future is known: aim where the face will be when the spring
                # arrives (a critically damped spring lags a steady motion by 2 / omega)
                horizon = min(t + lead, duration, (pending[0] - step) if pending else duration)
                ahead = focus(max(t, horizon)) or box
                x0, x1 = x.goal - x.half, x.goal + x.half
                y0, y1 = y.goal - y.half, y.goal + y.half
                x.aim(ahead.cx, box.x0 < x0 or box.x1 > x1)
                y.aim(ahead.cy + HEADROOM * height, box.y0 < y0 or box.y1 > y1)
            x.advance(step)
            y.advance(step)
        keys.append(PathKey(t, x.pos, y.pos, jump))
    return CropPath(width, height, tuple(simplify(keys)))


def _off_line(a: PathKey, b: PathKey, k: PathKey) -> float:
    f = (k.t - a.t) / (b.t - a.t) if b.t > a.t else 0.0
    return max(abs(a.cx + (b.cx - a.cx) * f - k.cx), abs(a.cy + (b.cy - a.cy) * f - k.cy))


def simplify(keys: Sequence[PathKey], eps: float = SIMPLIFY_EPS) -> list[PathKey]:
    """Drop keyframes that lie within eps of the line between the kept ones around them
    (still stretches collapse to two keys); jumps and the keys before them stay."""
    if len(keys) <= 2:
        return list(keys)
    out = [keys[0]]
    dropped: list[PathKey] = []
    for i in range(1, len(keys) - 1):
        k, b = keys[i], keys[i + 1]
        if k.jump or b.jump or any(_off_line(out[-1], b, d) > eps for d in (*dropped, k)):
            out.append(k)
            dropped = []
        else:
            dropped.append(k)
    out.append(keys[-1])
    return out


__all__ = ["CropPath", "PathKey", "fixed_path", "simplify", "smooth_path"]
