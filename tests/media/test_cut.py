"""Frame-accurate cuts and thumbnails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import Settings
from core.ffmpeg_exec import MediaToolError
from core.probe import probe, probe_json
from jobs.media.cut import cut_clip, thumbnail
from tests.media.conftest import Talk

FRAME = 1 / 25


@pytest.mark.parametrize("start,end", [(2.3, 9.7), (5.43, 11.04)])
async def test_cut_is_frame_accurate(
    talk: Talk, media_dir: Path, media_settings: Settings, start: float, end: float
) -> None:
    dst = media_dir / f"cut_{start}_{end}.mp4"
    duration = await cut_clip(talk.video, start, end, dst, settings=media_settings)
    info = await probe(dst)
    assert info.video_duration is not None
    assert abs(info.video_duration - (end - start)) <= FRAME + 1e-6
    assert duration == pytest.approx(info.video_duration)
    assert (info.width, info.height) == (320, 240)
    assert info.has_audio and info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.audio_duration == pytest.approx(end - start, abs=0.05)
    assert not [p for p in os.listdir(media_dir) if p.startswith(".cut_")]  # temp file gone


async def test_cut_starts_at_the_requested_frame(
    talk: Talk, media_dir: Path, media_settings: Settings
) -> None:
    """testsrc2 draws a moving pattern: the clip's first frame equals the source at start."""
    import subprocess

    start = 3.0
    dst = media_dir / "cut_frame.mp4"
    await cut_clip(talk.video, start, start + 1.0, dst, settings=media_settings)

    def frame(path: Path, at: float) -> bytes:
        return subprocess.run(
            ["ffmpeg", "-v", "error", "-ss", f"{at}", "-i", str(path), "-frames:v", "1"]
            + ["-s", "32x24", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
            check=True,
            capture_output=True,
        ).stdout

    clip0 = frame(dst, 0.0)
    diffs = {
        t: sum(abs(a - b) for a, b in zip(clip0, frame(talk.video, t), strict=True))
        for t in (start - FRAME, start, start + FRAME)
    }
    assert min(diffs, key=lambda t: diffs[t]) == start


async def test_bad_range_is_refused(talk: Talk, media_dir: Path) -> None:
    with pytest.raises(MediaToolError):
        await cut_clip(talk.video, 5.0, 5.0, media_dir / "empty.mp4")


async def test_thumbnail_is_a_small_jpeg(
    media_dir: Path, media_settings: Settings, talk: Talk
) -> None:
    clip = media_dir / "thumb_src.mp4"
    await cut_clip(talk.video, 1.0, 6.0, clip, settings=media_settings)
    jpg = await thumbnail(clip, media_dir / "thumb.jpg", settings=media_settings)
    data = jpg.read_bytes()
    assert data[:2] == b"\xff\xd8"
    stream = (await probe_json(jpg))["streams"][0]
    assert stream["codec_name"] == "mjpeg"
    assert (stream["width"], stream["height"]) == (320, 240)  # small source: not upscaled
