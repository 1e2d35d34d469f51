"""Describe a media file or URL with ffprobe (light: runs on the api request path)."""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from core.ffmpeg_exec import MediaError, MediaTimeout, MediaToolError, UnsafeInput, run_tool


class ProbeError(Exception):
    """Probing failed (tool missing, timed out, unreadable source)."""


class InvalidMedia(ProbeError):
    """The source is not media we can process (not a video/audio file, no duration)."""


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    has_audio: bool
    has_video: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    format_name: str = ""
    audio_codec: str | None = None
    video_codec: str | None = None
    video_duration: float | None = None
    audio_duration: float | None = None


# ffprobe messages that mean the bytes could not be read, not that they are bad media.
_TRANSIENT = re.compile(
    r"Server returned|HTTP error|Connection (refused|reset|timed out)|timed out|"
    r"Input/output error|No such file or directory|Network is unreachable|"
    r"Cannot allocate memory|Failed to resolve",
    re.IGNORECASE,
)
# Codecs that are really pictures (cover art, thumbnails) rather than a video track.
_STILL_CODECS = frozenset({"mjpeg", "png", "bmp", "gif", "webp"})


def _rate(value: str | None) -> float | None:
    if not value or value in {"0/0", "0"}:
        return None
    try:
        rate = float(Fraction(value))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def _float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result and result > 0 else None  # drop NaN, 0


def parse_probe(data: dict[str, Any]) -> MediaInfo:
    """Build MediaInfo from ffprobe's JSON; raise InvalidMedia when it is not usable media."""
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
            and s.get("codec_name") not in _STILL_CODECS
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise InvalidMedia("no audio or video stream")
    duration = _float(fmt.get("duration"))
    if duration is None:
        durations = [_float(s.get("duration")) for s in (video, audio) if s]
        duration = max((d for d in durations if d), default=None)
    if duration is None:
        raise InvalidMedia("media has no duration")
    fps = None
    if video is not None:
        fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    return MediaInfo(
        duration=duration,
        has_audio=audio is not None,
        has_video=video is not None,
        width=int(video["width"]) if video and video.get("width") else None,
        height=int(video["height"]) if video and video.get("height") else None,
        fps=fps,
        format_name=str(fmt.get("format_name", "")),
        audio_codec=audio.get("codec_name") if audio else None,
        video_codec=video.get("codec_name") if video else None,
        video_duration=_float(video.get("duration")) if video else None,
        audio_duration=_float(audio.get("duration")) if audio else None,
    )


async def probe_json(
    source: str | Path, *, time_limit: float = 60.0, memory_mb: int = 1024
) -> dict:
    """ffprobe's JSON (format + streams) for a local path or an allowed URL."""
    if "://" not in str(source) and not await asyncio.to_thread(os.path.isfile, source):
        raise ProbeError(f"no such file: {Path(source).name}")
    argv = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    try:
        out = await run_tool([*argv, "-i", str(source)], timeout=time_limit, memory_mb=memory_mb)
    except UnsafeInput as exc:
        raise ProbeError(str(exc)) from None
    except MediaTimeout as exc:
        raise ProbeError(str(exc)) from None
    except MediaToolError as exc:
        if _TRANSIENT.search(exc.stderr_tail) or (exc.returncode or 0) < 0:
            raise ProbeError(exc.stderr_tail or str(exc)) from None  # reading failed, not media
        raise InvalidMedia(exc.stderr_tail or "unreadable media") from None
    except MediaError as exc:
        raise ProbeError(str(exc)) from None
    try:
        data = json.loads(out or b"{}")
    except ValueError:
        raise InvalidMedia("unreadable ffprobe output") from None
    if not isinstance(data, dict):
        raise InvalidMedia("unreadable ffprobe output")
    return data


async def probe(
    source: str | Path, *, time_limit: float = 60.0, memory_mb: int = 1024
) -> MediaInfo:
    """Probe a file or URL: duration, streams, size, frame rate and codecs."""
    return parse_probe(await probe_json(source, time_limit=time_limit, memory_mb=memory_mb))


# Containers whose duration ffprobe estimates from the first frames' bitrate: a file that
# starts at 320 kbit/s and goes on at 8 kbit/s passes for thirty times shorter than it is.
ESTIMATED_FORMATS = frozenset({"mp3", "aac"})
_OUT_TIME = re.compile(rb"^out_time_us=(\d+)$", re.MULTILINE)


async def packet_duration(
    source: str | Path, *, time_limit: float = 60.0, memory_mb: int = 1024
) -> float:
    """The first audio stream's length from its packets' timestamps, read to the end without
    decoding (a demux: the bitrate estimate plays no part). Raises ProbeError."""
    argv = ["ffmpeg", "-i", str(source), "-map", "0:a:0", "-c", "copy"]
    argv += ["-progress", "pipe:1", "-nostats", "-f", "null", "-"]
    try:
        out = await run_tool(argv, timeout=time_limit, memory_mb=memory_mb)
    except MediaError as exc:
        raise ProbeError(str(exc)) from None
    found = _OUT_TIME.findall(out)
    if not found:
        raise ProbeError("no packet timestamps")
    return int(found[-1]) / 1_000_000


__all__ = [
    "ESTIMATED_FORMATS",
    "InvalidMedia",
    "MediaInfo",
    "ProbeError",
    "packet_duration",
    "parse_probe",
    "probe",
    "probe_json",
]
