"""A downscaled, greyscale, low-rate copy of a clip's frames, decoded by FFmpeg into numpy.

Analysis needs only a few frames a second at a small size (5 fps at 360 p costs a fraction
of the render); it is decoded in chunks so memory stays flat however long the clip is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.config import Settings
from core.ffmpeg_exec import MediaToolError, run_configured
from core.probe import probe

SAMPLE_FPS = 5.0
SAMPLE_HEIGHT = 360
CHUNK_SECONDS = 20.0


@dataclass(frozen=True)
class FrameSize:
    width: int
    height: int


async def sample_size(src: str | Path, height: int = SAMPLE_HEIGHT) -> FrameSize:
    """The sampled frame size: the source scaled to `height` (never up), even width."""
    info = await probe(src)
    if not info.has_video or not info.width or not info.height:
        raise MediaToolError("the source has no video to reframe")
    h = min(height, info.height) // 2 * 2
    w = max(2, round(info.width * h / info.height / 2) * 2)
    return FrameSize(w, h)


async def sample_chunks(
    src: str | Path,
    start: float,
    end: float,
    size: FrameSize,
    *,
    fps: float = SAMPLE_FPS,
    chunk_seconds: float = CHUNK_SECONDS,
    settings: Settings | None = None,
) -> AsyncIterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (times from `start`, grey frames N x H x W uint8) a chunk at a time over
    [start, end) at `fps`. The next chunk decodes while the caller works on this one."""
    frame_bytes = size.width * size.height
    step = 1.0 / fps

    def decode(chunk_start: float) -> asyncio.Task[bytes]:
        length = min(chunk_seconds, end - chunk_start)
        argv = ["ffmpeg", "-ss", f"{chunk_start:.3f}", "-i", str(src), "-t", f"{length:.3f}"]
        argv += ["-map", "0:v:0", "-an", "-sn", "-dn"]
        argv += ["-vf", f"fps={fps:g},scale={size.width}:{size.height},format=gray"]
        argv += ["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
        return asyncio.ensure_future(run_configured(argv, settings))

    index = 0
    chunk_start = start
    pending = decode(chunk_start) if chunk_start < end - 1e-6 else None
    try:
        while pending is not None:
            data = await pending
            pending = None
            length = min(chunk_seconds, end - chunk_start)
            count = min(len(data) // frame_bytes, max(1, round(length * fps)))
            frames = np.frombuffer(data[: count * frame_bytes], np.uint8)
            frames = frames.reshape(count, size.height, size.width)
            times = (index + np.arange(count)) * step
            index += count
            chunk_start = start + index * step
            if count and chunk_start < end - 1e-6:
                pending = decode(chunk_start)
            if count:
                yield times, frames
    finally:
        if pending is not None:
            pending.cancel()  # the caller stopped early: the decode ahead is not needed


__all__ = [
    "SAMPLE_FPS",
    "SAMPLE_HEIGHT",
    "FrameSize",
    "sample_chunks",
    "sample_size",
]
