"""One pass over a clip's sampled frames: faces per sample, tracks, scene cuts, loudness.

Everything the crop planner needs, computed once per export from the original upload.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.config import Settings
from core.probe import probe
from jobs.media.envelope import Envelope, loudness_envelope
from jobs.media.reframe.detector import Face, FaceDetector
from jobs.media.reframe.sampling import (
    SAMPLE_FPS,
    SAMPLE_HEIGHT,
    FrameSize,
    sample_chunks,
    sample_size,
)
from jobs.media.reframe.scenes import Thumb, scene_cuts, thumb
from jobs.media.reframe.speaker import SpeakerSpan, choose_speakers
from jobs.media.reframe.tracking import Track, build_tracks

LOUDNESS_WINDOW_S = 0.08  # loudness around each sample instant, for the mouth correlation
MAX_THREADS = 4  # detection threads, at most one per core


@dataclass(frozen=True)
class FaceAnalysis:
    """What the clip [start, end) of a source shows, in clip time (0 = start)."""

    duration: float
    size: FrameSize  # the sampled frames (the source's aspect)
    times: tuple[float, ...]
    faces: tuple[tuple[Face, ...], ...]  # per sample
    tracks: tuple[Track, ...]
    scene_cuts: tuple[float, ...]
    speakers: tuple[SpeakerSpan, ...]
    detector: str

    @property
    def aspect(self) -> float:
        return self.size.width / self.size.height


def detection_threads(detector: FaceDetector) -> int:
    """Frames detected at once: one per core for a detector safe on several threads."""
    return max(1, min(MAX_THREADS, os.cpu_count() or 1)) if detector.parallel else 1


async def _detect_all(
    pool: ThreadPoolExecutor, detector: FaceDetector, frames: np.ndarray
) -> list[list[Face]]:
    """Faces of each frame in order, the frames shared out over the pool's threads."""
    loop = asyncio.get_running_loop()
    return list(
        await asyncio.gather(*(loop.run_in_executor(pool, detector.detect, f) for f in frames))
    )


async def analyse_faces(
    src: str | Path,
    start: float,
    end: float,
    detector: FaceDetector,
    *,
    fps: float = SAMPLE_FPS,
    height: int = SAMPLE_HEIGHT,
    envelope: Envelope | asyncio.Future[Envelope] | None = None,
    settings: Settings | None = None,
) -> FaceAnalysis:
    """Sample [start, end) at fps and height, detect and track faces, find scene cuts and,
    from the audio's loudness, who speaks. `envelope` may still be in the making: it is
    awaited once the frames are done, so the two decodes overlap."""
    size = await sample_size(src, height)
    loudness = envelope if isinstance(envelope, asyncio.Future) else None
    if envelope is None and (await probe(src)).has_audio:
        loudness = asyncio.ensure_future(loudness_envelope(src, start, end, settings=settings))
    times: list[float] = []
    faces: list[tuple[Face, ...]] = []
    thumbs: list[Thumb] = []
    threads = detection_threads(detector)
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="faces") as pool:
            chunks = sample_chunks(src, start, end, size, fps=fps, settings=settings)
            async for chunk_times, frames in chunks:
                found = await _detect_all(pool, detector, frames)
                thumbs += [thumb(frame) for frame in frames]
                times += [float(t) for t in chunk_times]
                faces += [tuple(f) for f in found]
        envelope = await loudness if loudness is not None else envelope
    finally:
        if loudness is not None and not loudness.done():
            loudness.cancel()
    assert not isinstance(envelope, asyncio.Future)
    cuts = scene_cuts(times, thumbs)
    tracks = build_tracks(list(zip(times, faces, strict=True)), cuts)
    loud = envelope.at(np.asarray(times), LOUDNESS_WINDOW_S) if envelope is not None else None
    speakers = choose_speakers(tracks, times, loud)
    return FaceAnalysis(
        duration=end - start,
        size=size,
        times=tuple(times),
        faces=tuple(faces),
        tracks=tuple(tracks),
        scene_cuts=tuple(cuts),
        speakers=tuple(speakers),
        detector=detector.name,
    )


__all__ = ["FaceAnalysis", "analyse_faces"]
