"""One pass over a clip's sampled frames: faces per sample, tracks, scene cuts, loudness.

Everything the crop planner needs, computed once per export from the original upload.
"""

from __future__ import annotations

import asyncio
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
    sample_frames,
    sample_size,
)
from jobs.media.reframe.scenes import Thumb, scene_cuts, thumb
from jobs.media.reframe.speaker import SpeakerSpan, choose_speakers
from jobs.media.reframe.tracking import Track, build_tracks

LOUDNESS_WINDOW_S = 0.08  # loudness around each sample instant, for the mouth correlation


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


async def analyse_faces(
    src: str | Path,
    start: float,
    end: float,
    detector: FaceDetector,
    *,
    fps: float = SAMPLE_FPS,
    height: int = SAMPLE_HEIGHT,
    envelope: Envelope | None = None,
    settings: Settings | None = None,
) -> FaceAnalysis:
    """Sample [start, end) at fps and height, detect and track faces, find scene cuts and,
    from the audio's loudness, who speaks."""
    size = await sample_size(src, height)
    times: list[float] = []
    faces: list[tuple[Face, ...]] = []
    thumbs: list[Thumb] = []
    async for t, frame in sample_frames(src, start, end, size, fps=fps, settings=settings):
        found = await asyncio.to_thread(detector.detect, frame)
        thumbs.append(thumb(frame))
        times.append(t)
        faces.append(tuple(found))
    cuts = scene_cuts(times, thumbs)
    tracks = build_tracks(list(zip(times, faces, strict=True)), cuts)
    if envelope is None and (await probe(src)).has_audio:
        envelope = await loudness_envelope(src, start, end, settings=settings)
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
