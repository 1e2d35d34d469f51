"""Tiny real media made with ffmpeg for upload tests (argument lists, a few seconds each)."""

from __future__ import annotations

import subprocess
from pathlib import Path

SIZE = "160x120"


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
        check=True,
        timeout=120,
    )


def video_with_audio(dest: Path, seconds: float = 3) -> Path:
    """testsrc2 picture plus a sine tone: a real video with an audio track."""
    _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate=15:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=16000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "32k", "-shortest", "-movflags", "+faststart", str(dest),
    )  # fmt: skip
    return dest


def video_without_audio(dest: Path, seconds: float = 2) -> Path:
    _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate=15:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(dest),
    )  # fmt: skip
    return dest


def audio_only(dest: Path, seconds: float = 2) -> Path:
    _ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=16000:duration={seconds}",
        "-c:a", "aac", "-b:a", "32k", str(dest),
    )  # fmt: skip
    return dest


def noisy_video(dest: Path, seconds: float = 2) -> Path:
    """Noise does not compress: a few seconds make a file of several megabytes."""
    _ffmpeg(
        "-f", "lavfi", "-i",
        f"testsrc2=size=640x360:rate=15:duration={seconds},noise=alls=100:allf=t+u",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=16000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-qp", "10", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "32k", "-shortest", str(dest),
    )  # fmt: skip
    return dest
