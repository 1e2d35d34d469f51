"""The limits an import runs within, in one value the stage builds from the settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int  # largest file, as for uploads (CLIPFORGE_MAX_UPLOAD_BYTES)
    max_duration_seconds: float  # longest video, as for uploads
    total_seconds: float = 3600.0  # the whole transfer, resumptions included
    resolve_seconds: float = 120.0  # a video site's page resolved by yt-dlp
    connect_seconds: float = 10.0
    read_seconds: float = 30.0  # silence on the connection before it counts as broken
    max_resumes: int = 3  # Range requests after broken connections
    progress_every_bytes: int = 1024 * 1024  # progress callbacks at most this often
