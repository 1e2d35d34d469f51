"""What createUpload accepts: a clean file name, a video or common audio type, a sane size."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from core.config import Settings
from core.errors import DomainError

# Audio files are accepted when they are what podcasts and recorders commonly produce.
AUDIO_TYPES = frozenset(
    {
        "audio/mpeg",
        "audio/mp3",
        "audio/mp4",
        "audio/m4a",
        "audio/x-m4a",
        "audio/aac",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/ogg",
        "audio/opus",
        "audio/webm",
        "audio/flac",
        "audio/x-flac",
    }
)
_VIDEO_TYPE = re.compile(r"^video/[a-z0-9][a-z0-9.+-]{0,99}$")
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")
MAX_FILENAME = 255


@dataclass(frozen=True)
class UploadRequest:
    filename: str
    content_type: str
    size_bytes: int

    @property
    def object_name(self) -> str:
        """The stored name: 'original' plus the file's extension when it is a plain one."""
        dot = self.filename.rfind(".")
        ext = self.filename[dot:].lower() if dot > 0 else ""
        return f"original{ext}" if _EXTENSION.match(ext) else "original"


def clean_filename(raw: str) -> str:
    """The last path component, without control characters; refused when nothing is left."""
    name = re.split(r"[/\\]", raw or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name or name in (".", ".."):
        raise DomainError("INVALID_FILENAME", "Give the file a name.", "filename")
    if len(name) > MAX_FILENAME:
        raise DomainError(
            "INVALID_FILENAME", f"File names are at most {MAX_FILENAME} characters.", "filename"
        )
    return name


def clean_content_type(raw: str) -> str:
    """Lower-cased, without parameters; video/* or a common audio type."""
    value = (raw or "").split(";", 1)[0].strip().lower()
    if _VIDEO_TYPE.match(value) or value in AUDIO_TYPES:
        return value
    raise DomainError(
        "UNSUPPORTED_CONTENT_TYPE",
        "Upload a video (video/*) or a common audio file (MP3, M4A, WAV, OGG, FLAC).",
        "contentType",
    )


def clean_size(raw: float | int, settings: Settings) -> int:
    if not isinstance(raw, int | float) or not math.isfinite(raw) or raw != int(raw) or raw <= 0:
        raise DomainError("INVALID_SIZE", "sizeBytes must be a positive whole number.", "sizeBytes")
    size = int(raw)
    if size > settings.max_upload_bytes:
        raise DomainError(
            "TOO_LARGE",
            f"Files can be at most {settings.max_upload_bytes} bytes.",
            "sizeBytes",
        )
    return size


def validate(
    filename: str, content_type: str, size_bytes: float, settings: Settings
) -> UploadRequest:
    return UploadRequest(
        filename=clean_filename(filename),
        content_type=clean_content_type(content_type),
        size_bytes=clean_size(size_bytes, settings),
    )
