"""Checking an uploaded object before it is charged: present, the declared size, real media.

ffprobe reads the object where it lies (the local file, or the store's presigned GET when
ffmpeg may open that URL), else a temporary download; always with a time limit, and only a
few probes at once per process so a burst of completions cannot starve the api. For MP3 and
ADTS AAC, whose duration ffprobe estimates from the bitrate, the audio packets are read to
the end as well (a demux, no decoding: cheap, and a bitrate trick cannot fool it); other
containers' durations come from their indexes. Whatever this misses, the transcribe stage
settles: it decodes the audio and charges the difference (jobs.pipeline.billing).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings
from core.errors import DomainError
from core.ffmpeg_exec import UnsafeInput, classify_input
from core.probe import (
    ESTIMATED_FORMATS,
    InvalidMedia,
    MediaInfo,
    ProbeError,
    packet_duration,
    probe,
)
from core.storage import ObjectStore, StorageError
from core.storage.local import LocalStore
from orm.ledger import minutes_for

log = logging.getLogger("clipforge.uploads")

_probe_slots: dict[int, asyncio.Semaphore] = {}


@dataclass(frozen=True)
class CheckedMedia:
    info: MediaInfo

    @property
    def minutes(self) -> int:
        """What the upload costs: whole minutes, rounded up, at least one."""
        return minutes_for(self.info.duration)


class RejectedMedia(DomainError):
    """The stored object can never be processed: the caller removes it."""


def _slots(settings: Settings) -> asyncio.Semaphore:
    n = max(1, settings.probe_concurrency)
    slot = _probe_slots.get(n)
    if slot is None:
        slot = _probe_slots[n] = asyncio.Semaphore(n)
    return slot


async def _measured(source: str | Path, limit: float, memory: int) -> MediaInfo:
    """ffprobe's description; for bitrate-estimated formats, the duration of the packets."""
    info = await probe(source, time_limit=limit, memory_mb=memory)
    if not info.has_audio or not set(info.format_name.split(",")) & ESTIMATED_FORMATS:
        return info
    try:
        counted = await packet_duration(source, time_limit=limit, memory_mb=memory)
    except ProbeError as exc:  # the transcribe stage's decode still settles the charge
        log.warning("packet scan failed, keeping the estimate: %s", exc)
        return info
    return dataclasses.replace(info, duration=max(info.duration, counted))


async def _probe_stored(store: ObjectStore, key: str, settings: Settings) -> MediaInfo:
    timeout = float(settings.probe_timeout_seconds)
    memory = min(settings.ffmpeg_memory_mb, 1024)
    if isinstance(store, LocalStore):
        return await _measured(store.object_path(key), timeout, memory)
    url = await store.presigned_get(key, 600)
    try:
        classify_input(url)
    except UnsafeInput:  # e.g. plain http to a remote host: read a local copy instead
        pass
    else:
        return await _measured(url, timeout, memory)
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        dest = Path(tmp) / "media"
        async with asyncio.timeout(timeout):
            await store.download(key, dest)
        return await _measured(dest, timeout, memory)


async def check_object(
    store: ObjectStore, key: str, declared_size: int, settings: Settings
) -> CheckedMedia:
    """Raise UPLOAD_MISSING (try again later), or RejectedMedia: SIZE_MISMATCH, INVALID_MEDIA,
    NO_AUDIO_TRACK, TOO_LONG; PROBE_FAILED when the check itself could not run."""
    size = await store.size(key)
    if size is None:
        raise DomainError(
            "UPLOAD_MISSING", "The file has not arrived yet: upload it, then complete.", "id"
        )
    if size != declared_size:
        raise RejectedMedia(
            "SIZE_MISMATCH",
            f"The stored file has {size} bytes, not the {declared_size} declared.",
            "id",
        )
    try:
        async with _slots(settings):
            info = await _probe_stored(store, key, settings)
    except InvalidMedia as exc:
        log.info("upload %s refused: %s", key, exc)
        raise RejectedMedia(
            "INVALID_MEDIA", "That file is not a video or audio file we can read.", "id"
        ) from None
    except (ProbeError, StorageError, TimeoutError) as exc:
        log.warning("probe of %s failed: %s", key, exc)
        raise DomainError(
            "PROBE_FAILED", "The file could not be checked just now; try again.", "id"
        ) from None
    if not info.has_audio:
        raise RejectedMedia(
            "NO_AUDIO_TRACK",
            "The file has no audio track, so there is nothing to transcribe.",
            "id",
        )
    if info.duration > settings.max_duration_seconds:
        hours = settings.max_duration_seconds / 3600
        raise RejectedMedia("TOO_LONG", f"Videos can be at most {hours:g} hours long.", "id")
    return CheckedMedia(info)
