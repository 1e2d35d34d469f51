"""Render a clip for posting: 9:16, 1:1 or 16:9, cropped or over a blurred fill, with
subtitles burned in.

Reframing is a plain centre crop: no face detector robust enough ships offline in a PyPI
package we want in the worker (OpenCV's Haar cascades miss turned faces, and the good
detectors download their weights), so the subject is assumed near the centre.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Literal

from core.config import Settings
from core.ffmpeg_exec import MediaToolError, run_configured
from core.probe import MediaInfo, probe
from jobs.media.subtitles import fit_ass

Aspect = Literal["VERTICAL_9_16", "SQUARE_1_1", "LANDSCAPE_16_9"]
Fill = Literal["crop", "blur"]

SIZES: dict[str, tuple[int, int]] = {
    "VERTICAL_9_16": (1080, 1920),
    "SQUARE_1_1": (1080, 1080),
    "LANDSCAPE_16_9": (1920, 1080),
}
FONTS_DIR = "/usr/share/fonts"


def escape_filter_value(value: str) -> str:
    """Escape a value for an option inside a filtergraph given on the command line.

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


def frame_filter(width: int, height: int, fill: Fill) -> str:
    """The filtergraph that maps any input frame onto width x height."""
    if fill == "crop":
        return (
            f"scale={width}:{height}:force_original_aspect_ratio=increase,"
            f"crop={width}:{height},setsar=1"
        )
    if fill == "blur":
        # The background is blurred at a quarter size: same look, a fraction of the work.
        small_w, small_h = width // 4 // 2 * 2, height // 4 // 2 * 2
        return (
            "split=2[bg][fg];"
            f"[bg]scale={small_w}:{small_h}:force_original_aspect_ratio=increase,"
            f"crop={small_w}:{small_h},boxblur=luma_radius=10:luma_power=2,"
            f"scale={width}:{height},setsar=1[bgs];"
            f"[fg]scale={width}:{height}:force_original_aspect_ratio=decrease,"
            "scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1[fgs];"
            "[bgs][fgs]overlay=(W-w)/2:(H-h)/2"
        )
    raise MediaToolError(f"unknown fill: {fill}")


def _write_fitted(src: Path, dst: Path, width: int, height: int) -> None:
    dst.write_text(fit_ass(src.read_text("utf-8"), width, height), "utf-8")


async def render_export(
    src_clip: Path,
    dst: Path,
    aspect: Aspect,
    ass_path: Path | None = None,
    fill: Fill = "crop",
    *,
    settings: Settings | None = None,
) -> MediaInfo:
    """Encode src_clip to dst (H.264/AAC MP4, faststart) at the aspect's size; return its info.

    The ASS file is re-targeted to the output size first (fit_ass), so one clip's
    subtitles serve every aspect.
    """
    if aspect not in SIZES:
        raise MediaToolError(f"unknown aspect: {aspect}")
    width, height = SIZES[aspect]
    graph = f"[0:v:0]{frame_filter(width, height, fill)}"
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.stem}.part.mp4")
    with tempfile.TemporaryDirectory(prefix="render-") as work:
        if ass_path is not None:
            fitted = Path(work) / "subtitles.ass"
            await asyncio.to_thread(_write_fitted, Path(ass_path), fitted, width, height)
            graph += (
                f",ass=filename={escape_filter_value(str(fitted))}"
                f":fontsdir={escape_filter_value(FONTS_DIR)}"
            )
        graph += ",format=yuv420p[v]"
        argv = ["ffmpeg", "-y", "-i", str(src_clip), "-filter_complex", graph]
        argv += ["-map", "[v]", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1"]
        argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-profile:v", "high"]
        argv += ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart"]
        argv += ["-f", "mp4", str(tmp)]
        try:
            await run_configured(argv, settings)
            tmp.replace(dst)
        finally:
            tmp.unlink(missing_ok=True)
    return await probe(dst)


__all__ = ["SIZES", "Aspect", "Fill", "escape_filter_value", "frame_filter", "render_export"]
