"""Export frame sizes per aspect ratio, the blurred fill, and escaping values for filters."""

from __future__ import annotations

from typing import Literal

Aspect = Literal["VERTICAL_9_16", "SQUARE_1_1", "LANDSCAPE_16_9"]
Fill = Literal["crop", "blur"]
FILLS: tuple[Fill, ...] = ("crop", "blur")

SIZES: dict[str, tuple[int, int]] = {
    "VERTICAL_9_16": (1080, 1920),
    "SQUARE_1_1": (1080, 1080),
    "LANDSCAPE_16_9": (1920, 1080),
}


def escape_filter_value(value: str) -> str:
    """Escape a value for an option inside a filtergraph.

    FFmpeg parses it twice: the filter's option string (where ``\\ ' :`` are special) and
    then the graph (where ``\\ ' [ ] , ;`` are). A path can hold any of them.
    """
    level1 = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    out = []
    for ch in level1:
        if ch in "\\'[],;":
            out.append("\\")
        out.append(ch)
    return "".join(out)


def blur_fill(source: str, width: int, height: int, out: str) -> str:
    """[source] -> [out]: the whole picture, fitted, over a blurred copy filling the frame.
    The background is blurred at a quarter size: the same look for a fraction of the work."""
    small_w, small_h = width // 4 // 2 * 2, height // 4 // 2 * 2
    radius = max(1, min(10, min(small_w, small_h) // 4 - 1))  # <= half the chroma plane
    return (
        f"[{source}]split=2[bg][fg];"
        f"[bg]scale={small_w}:{small_h}:force_original_aspect_ratio=increase,"
        f"crop={small_w}:{small_h},boxblur=luma_radius={radius}:luma_power=2,"
        f"scale={width}:{height},setsar=1[bgs];"
        f"[fg]scale={width}:{height}:force_original_aspect_ratio=decrease,"
        "scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1[fgs];"
        f"[bgs][fgs]overlay=(W-w)/2:(H-h)/2[{out}]"
    )


__all__ = ["FILLS", "SIZES", "Aspect", "Fill", "blur_fill", "escape_filter_value"]
