"""Checking an uploaded object before it is charged: present, the declared size, real media.

ffprobe reads the object where it lies (the local file, or the store's presigned GET when
ffmpeg may open that URL), else a temporary download; always with a time limit, and only a
few probes at once per process so a burst of completions cannot starve the api.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings
from core.errors import DomainError
from core.ffmpeg_exec import UnsafeInput, classify_input
from core.probe import InvalidMedia, MediaInfo, ProbeError, probe
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


async def _probe_stored(store: ObjectStore, key: str, settings: Settings) -> MediaInfo:
    timeout = float(settings.probe_timeout_seconds)
    memory = min(settings.ffmpeg_memory_mb, 1024)
    if isinstance(store, LocalStore):
        return await probe(store.object_path(key), time_limit=timeout, memory_mb=memory)
    url = await store.presigned_get(key, 600)
    try:
        classify_input(url)
    except UnsafeInput:  # e.g. plain http to a remote host: read a local copy instead
        pass
    else:
        return await probe(url, time_limit=timeout, memory_mb=memory)
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        dest = Path(tmp) / "media"
        async with asyncio.timeout(timeout):
            await store.download(key, dest)
        return await probe(dest, time_limit=timeout, memory_mb=memory)


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
