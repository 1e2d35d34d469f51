"""FFmpeg expressions of t for a crop path: the crop filter evaluates x and y on every
frame, so a piecewise-linear function of the frame's time moves the window exactly, with no
side files or commands. The pieces are nested as a balanced tree of if(lt(t, T), ...), so a
frame costs a handful of comparisons however long the path is."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jobs.media.reframe.path import CropPath, PathKey


def _num(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".") or "0"


def _piece(keys: Sequence[PathKey], i: int, value: Callable[[PathKey], float]) -> str:
    """The value on [keys[i].t, keys[i+1].t): a line, or a constant before a jump."""
    a = keys[i]
    if i + 1 >= len(keys) or keys[i + 1].jump:
        return _num(value(a))
    b = keys[i + 1]
    slope = (value(b) - value(a)) / (b.t - a.t) if b.t > a.t else 0.0
    if abs(slope) < 1e-9:
        return _num(value(a))
    return f"{_num(value(a))}+{_num(slope)}*(t-{_num(a.t)})"


def piecewise(keys: Sequence[PathKey], value: Callable[[PathKey], float]) -> str:
    """An expression of t equal to the path's interpolated value (as CropPath.centre_at)."""

    def tree(lo: int, hi: int) -> str:  # pieces lo..hi-1
        if hi - lo == 1:
            return _piece(keys, lo, value)
        mid = (lo + hi) // 2
        return f"if(lt(t,{_num(keys[mid].t)}),{tree(lo, mid)},{tree(mid, hi)})"

    return tree(0, len(keys))


def crop_filter(path: CropPath) -> str:
    """A crop filter taking the path's window out of each frame (even size, clamped)."""
    w = f"2*trunc(iw*{_num(path.width)}/2)"
    h = f"2*trunc(ih*{_num(path.height)}/2)"
    cx = piecewise(path.keys, lambda k: k.cx)
    cy = piecewise(path.keys, lambda k: k.cy)
    x = f"clip(({cx})*iw-ow/2,0,iw-ow)"
    y = f"clip(({cy})*ih-oh/2,0,ih-oh)"
    return f"crop=w='{w}':h='{h}':x='{x}':y='{y}':exact=1"


__all__ = ["crop_filter", "piecewise"]
