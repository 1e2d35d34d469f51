"""Is a fetched file a video (or audio) we can process, within the limits? ffprobe says.

The same rules as completeUpload applies to uploads (core.probe; an audio track needed,
at most the longest duration), with the import's codes, so the IMPORT stage can charge only
what passes. The file is local: no URL ever reaches ffprobe.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.probe import InvalidMedia, MediaInfo, ProbeError, probe
from jobs.importing.errors import ImportCode, ImportRefused, ImportUnavailable


async def check_video_file(
    path: Path,
    *,
    max_bytes: int,
    max_duration_seconds: float,
    probe_seconds: float = 60.0,
    memory_mb: int = 1024,
    require_video: bool = False,
) -> MediaInfo:
    """The file's media description, or ImportRefused (TOO_LARGE, INVALID_MEDIA,
    NO_AUDIO_TRACK, TOO_LONG); ImportUnavailable when ffprobe itself could not run."""
    size = (await asyncio.to_thread(path.stat)).st_size
    if size > max_bytes:
        raise ImportRefused(ImportCode.TOO_LARGE, "The video is larger than allowed.")
    try:
        info = await probe(path, time_limit=probe_seconds, memory_mb=memory_mb)
    except InvalidMedia as exc:
        raise ImportRefused(
            ImportCode.INVALID_MEDIA,
            "The link does not lead to a video or audio file we can read.",
            detail=str(exc),
        ) from exc
    except ProbeError as exc:
        raise ImportUnavailable(
            ImportCode.PROBE_FAILED, "The video could not be checked just now.", detail=str(exc)
        ) from exc
    if require_video and not info.has_video:
        raise ImportRefused(ImportCode.INVALID_MEDIA, "The link leads to audio, not a video.")
    if not info.has_audio:
        raise ImportRefused(
            ImportCode.NO_AUDIO_TRACK,
            "The video has no audio track, so there is nothing to transcribe.",
        )
    if info.duration > max_duration_seconds:
        hours = max_duration_seconds / 3600
        raise ImportRefused(ImportCode.TOO_LONG, f"Videos can be at most {hours:g} hours long.")
    return info
