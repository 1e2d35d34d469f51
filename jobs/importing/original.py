"""What an imported file becomes: its object key, content type and the name users see.

The page's title (when yt-dlp found one) renames the upload; the stored original gets the
extension of what was fetched when it is a plain one, so later stages read it like an upload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from core.storage.keys import upload_prefix

_EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")  # path separators and control characters
_BY_TYPE = {
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/quicktime": ".mov",
    "video/x-matroska": ".mkv",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/ogg": ".ogg",
    "audio/wav": ".wav",
}
MAX_NAME = 255


def media_type(header: str) -> str:
    """The response's Content-Type when it names audio or video, else a neutral one."""
    value = header.split(";", 1)[0].strip().lower()
    return value if value.startswith(("video/", "audio/")) else "application/octet-stream"


@dataclass(frozen=True)
class Original:
    key: str
    content_type: str
    filename: str


def original_for(
    upload_id: object, final_url: str, content_type: str, name: str, title: str | None
) -> Original:
    ctype = media_type(content_type)
    ext = PurePosixPath(urlsplit(final_url).path).suffix.lower()
    if not _EXTENSION.match(ext):
        ext = _BY_TYPE.get(ctype, "")
    shown = _UNSAFE.sub(" ", title or "").strip()
    filename = f"{shown[: MAX_NAME - len(ext)]}{ext}" if shown else name
    return Original(f"{upload_prefix(upload_id)}original{ext}", ctype, filename)
