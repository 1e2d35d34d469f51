"""Cut a clip out of the source (frame-accurate) and pick its thumbnail. A source without a
picture (an audio-only upload) is cut over a generated one (jobs.media.audiogram)."""

from __future__ import annotations

import math
from pathlib import Path

from core.config import Settings
from core.ffmpeg_exec import MediaToolError, run_configured
from core.probe import probe
from jobs.media.audiogram import cut_audiogram

THUMB_MAX_PX = 720
THUMB_SAMPLE_FPS = 2
THUMB_MAX_SAMPLES = 120


async def cut_clip(
    src: str | Path,
    start: float,
    end: float,
    dst: Path,
    *,
    settings: Settings | None = None,
    title: str = "",
) -> float:
    """Encode [start, end) of src into dst (H.264/AAC MP4, source size); return its duration.

    One encode straight from the source with ``-ss`` before ``-i``: a stream copy would
    snap to keyframes (seconds off), a second encode would lose quality. Sound without a
    picture gets a generated one: `title` over the clip's waveform.
    """
    if start < 0 or end <= start:
        raise MediaToolError(f"bad clip range [{start}, {end})")
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.stem}.part{dst.suffix or '.mp4'}")
    if not (await probe(src)).has_video:
        try:
            await cut_audiogram(src, start, end, tmp, title, settings=settings)
            tmp.replace(dst)
        finally:
            tmp.unlink(missing_ok=True)
        return await clip_duration(dst)
    argv = ["ffmpeg", "-y", "-ss", f"{start:.3f}", "-i", str(src), "-t", f"{end - start:.3f}"]
    argv += ["-map", "0:v:0?", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1"]
    argv += ["-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1", "-pix_fmt", "yuv420p"]
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20"]
    argv += ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart"]
    argv += ["-f", "mp4", str(tmp)]
    try:
        await run_configured(argv, settings)
        tmp.replace(dst)
    finally:
        tmp.unlink(missing_ok=True)
    return await clip_duration(dst)


async def clip_duration(path: Path) -> float:
    """Duration of the video track when there is one (audio priming can run longer)."""
    info = await probe(path)
    return info.video_duration or info.duration


async def thumbnail(src_clip: Path, dst_jpg: Path, *, settings: Settings | None = None) -> Path:
    """Write a representative JPEG frame (largest side at most 720 px).

    The ``thumbnail`` filter picks the frame closest to the average colour histogram of
    its batch, which avoids black fades and flash frames; sampling at 2 fps over the whole
    clip keeps its batch (held in memory) small.
    """
    info = await probe(src_clip)
    if not info.has_video:
        raise MediaToolError("clip has no video to take a thumbnail from")
    n = max(1, min(THUMB_MAX_SAMPLES, math.ceil(info.duration * THUMB_SAMPLE_FPS)))
    vf = (
        f"fps={THUMB_SAMPLE_FPS},"
        f"scale='min({THUMB_MAX_PX},iw)':'min({THUMB_MAX_PX},ih)'"
        ":force_original_aspect_ratio=decrease,"
        f"thumbnail={n}"
    )
    dst_jpg = Path(dst_jpg)
    dst_jpg.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst_jpg.with_name(f".{dst_jpg.stem}.part.jpg")
    argv = ["ffmpeg", "-y", "-i", str(src_clip), "-an", "-vf", vf, "-frames:v", "1"]
    argv += ["-q:v", "3", "-f", "image2", str(tmp)]
    try:
        await run_configured(argv, settings)
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise MediaToolError("no thumbnail frame produced")
        tmp.replace(dst_jpg)
    finally:
        tmp.unlink(missing_ok=True)
    return dst_jpg


__all__ = ["clip_duration", "cut_clip", "thumbnail"]
