"""Stage results into storage and the database, replacing (never adding to) earlier runs.

Objects go first, under deterministic keys (a re-run overwrites them); then the stage's rows
are replaced in one transaction; then objects a shorter re-run no longer uses are deleted.
A crash between those steps leaves either the old rows or the new ones, each with its files.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.pipeline import UploadStatus
from core.storage import ObjectChanged, ObjectMissing, StorageError, get_store
from jobs.errors import PermanentError, TransientError
from jobs.media.types import (
    AudioFeatures,
    PlatformCaption,
    ScorePart,
    Segment,
    TranscriptResult,
    Word,
)
from jobs.pipeline import layout
from jobs.pipeline.edit_lock import upload_edit_lock
from jobs.pipeline.errors import classified
from jobs.pipeline.steps import CutClip, Transcribed, features_from_json
from orm.clip_ranks import defer_ranks, rerank
from orm.lifecycle import move_upload
from orm.models import Caption, Clip, Export, Transcript, TranscriptSegment, Upload
from orm.models.enums import CaptionPlatform, ClipOrigin

# ---------------------------------------------------------------- objects


CHANGED_MESSAGE = (
    "The uploaded file changed after it was checked and charged, so it was not processed; "
    "your minutes were refunded. Upload the file again as a new upload."
)


async def fetch_original(upload: Upload, folder: Path) -> Path:
    """Stream the uploaded original to a local file (never whole in memory): the very bytes
    that were checked and charged (their ETag and size), else PermanentError (refunded)."""
    suffix = PurePosixPath(upload.storage_key).suffix or PurePosixPath(upload.filename).suffix
    dest = folder / f"original{suffix.lower() or '.bin'}"
    with classified("download the video"):
        try:
            await get_store().download(upload.storage_key, dest, if_match=upload.source_etag)
        except ObjectChanged as exc:
            raise PermanentError(CHANGED_MESSAGE, detail=str(exc)) from exc
    size = await asyncio.to_thread(lambda: dest.stat().st_size)
    if upload.source_etag is not None and size != upload.size_bytes:
        raise PermanentError(CHANGED_MESSAGE, detail=f"{size} bytes, {upload.size_bytes} checked")
    return dest


async def fetch_object(key: str, dest: Path) -> Path:
    with classified("download a stage file"):
        await get_store().download(key, dest)
    return dest


async def put_files(upload_id: uuid.UUID | str, files: Mapping[str, Path]) -> dict[str, str]:
    """Upload local files to their layout keys; returns layout name -> object key."""
    store = get_store()
    keys: dict[str, str] = {}
    with classified("store the results"):
        for name, path in files.items():
            key = layout.key(upload_id, name)
            await store.put_file(key, path, layout.content_type(name))
            keys[name] = key
    return keys


# ---------------------------------------------------------------- transcript


def word_rows(words: Sequence[Word]) -> list[dict[str, Any]]:
    return [{"start": w.start, "end": w.end, "text": w.text, "p": w.probability} for w in words]


def words_from_rows(rows: Sequence[dict[str, Any]]) -> tuple[Word, ...]:
    return tuple(
        Word(
            start=float(w["start"]),
            end=float(w["end"]),
            text=str(w["text"]),
            probability=float(w.get("p", 1.0)),
        )
        for w in rows
    )


async def save_transcript(upload: Upload, result: Transcribed) -> Transcript:
    """Transcript files, then the Transcript row and its segments, replacing earlier ones."""
    keys = await put_files(upload.id, result.files)
    async with in_transaction() as conn:
        return await replace_transcript(
            upload, result.transcript, keys, result.media.duration, conn
        )


async def replace_transcript(
    upload: Upload,
    t: TranscriptResult,
    keys: Mapping[str, str],
    duration: float,
    conn: BaseDBAsyncClient,
) -> Transcript:
    """The Transcript row and its segments, replacing earlier ones (inside `conn`'s
    transaction; the upload's row is locked so two writers replace one after the other)."""
    await Upload.filter(id=upload.id).using_db(conn).select_for_update().first()
    await Transcript.filter(upload_id=upload.id).using_db(conn).delete()  # segments cascade
    row = await Transcript.create(
        using_db=conn,
        upload_id=upload.id,
        language=(t.language or "")[:8],
        text=t.text,
        duration_seconds=t.duration or duration,
        json_key=keys[layout.TRANSCRIPT_JSON],
        srt_key=keys[layout.TRANSCRIPT_SRT],
        vtt_key=keys[layout.TRANSCRIPT_VTT],
    )
    await TranscriptSegment.bulk_create(
        [
            TranscriptSegment(
                transcript_id=row.id,
                index=i,
                start=s.start,
                end=s.end,
                text=s.text,
                words=word_rows(s.words),
            )
            for i, s in enumerate(t.segments)
        ],
        using_db=conn,
    )
    if upload.duration_seconds is None:
        upload.duration_seconds = duration
        await upload.save(update_fields=["duration_seconds", "updated_at"], using_db=conn)
    return row


async def load_transcript(upload_id: uuid.UUID) -> TranscriptResult | None:
    """The stored transcript as the media functions take it (from the rows)."""
    row = await Transcript.filter(upload_id=upload_id).first()
    if row is None:
        return None
    segments = await TranscriptSegment.filter(transcript_id=row.id).order_by("index")
    return TranscriptResult(
        language=row.language,
        duration=row.duration_seconds,
        segments=tuple(
            Segment(
                start=s.start,
                end=s.end,
                text=s.text,
                words=words_from_rows(s.words),
            )
            for s in segments
        ),
    )


async def load_audio_features(upload_id: uuid.UUID) -> AudioFeatures | None:
    """Loudness stored by transcribe; None when missing (the clip stage recomputes it)."""
    try:
        data = await get_store().get_bytes(layout.key(upload_id, layout.AUDIO_FEATURES))
    except ObjectMissing:
        return None
    except StorageError as exc:
        raise TransientError("Storage was unavailable.", detail=str(exc)) from exc
    return features_from_json(json.loads(data))


# ---------------------------------------------------------------- clips

# Found clips get ids from their upload and span, so finding the same clips again (a re-run,
# a reclip with the same options) gives the same rows and the same object keys.
AUTO_CLIP_IDS = uuid.UUID("9a1f6c2e-54b3-4d7e-9f0a-3c8e2b7d6a15")
KEY_COLUMNS = ("video_key", "thumbnail_key", "srt_key", "vtt_key", "ass_key")


def auto_clip_id(
    upload_id: uuid.UUID, start: float, end: float, taken: set[uuid.UUID]
) -> uuid.UUID:
    """The id of a found clip: the same span of the same upload always gets the same id
    (another when a clip the user kept already has it)."""
    name = f"{upload_id}:{start:.3f}-{end:.3f}"
    ident, n = uuid.uuid5(AUTO_CLIP_IDS, name), 0
    while ident in taken:
        n += 1
        ident = uuid.uuid5(AUTO_CLIP_IDS, f"{name}#{n}")
    return ident


async def put_clip_files(
    upload_id: uuid.UUID, clip_id: uuid.UUID, files: Mapping[str, Path]
) -> dict[str, str]:
    """A clip's local files (by layout name) to their keys under clips/<clip id>/."""
    store = get_store()
    keys: dict[str, str] = {}
    with classified("store the clips"):
        for name, path in files.items():
            key = layout.clip_key(upload_id, clip_id, name)
            await store.put_file(key, path, layout.content_type(name))
            keys[name] = key
    return keys


def breakdown_json(parts: Sequence[ScorePart]) -> list[dict[str, Any]]:
    return [{"name": p.name, "score": round(float(p.score), 1)} for p in parts]


def clip_values(c: CutClip, keys: Mapping[str, str]) -> dict[str, Any]:
    """A cut clip's columns (everything but id, upload, rank, origin and title)."""
    return {
        "start_seconds": c.start,
        "end_seconds": c.end,
        "duration_seconds": c.duration,
        "score": c.score,
        "reason": c.reason,
        "score_breakdown": breakdown_json(c.breakdown),
        "video_key": keys[layout.CLIP_VIDEO],
        "thumbnail_key": keys[layout.CLIP_THUMBNAIL],
        "srt_key": keys[layout.CLIP_SRT],
        "vtt_key": keys[layout.CLIP_VTT],
        "ass_key": keys[layout.CLIP_ASS],
    }


async def save_clips(
    upload: Upload,
    clips: Sequence[CutClip],
    *,
    captions: Sequence[Sequence[PlatformCaption]] | None = None,
    options: dict[str, Any] | None = None,
    finish: UploadStatus | None = None,
) -> list[Clip]:
    """The upload's found clips replaced in one transaction; clips the user made stay.

    Objects go first (new keys, or the same keys for the same clips), then one transaction:
    found rows out, new rows (with their `captions` when given) in, the `options` that found
    them stored, ranks renumbered, and the upload moved to `finish`. Then objects no row
    names any more (removed clips and their exports) are deleted.
    """
    async with upload_edit_lock(upload.id):
        manual = Clip.filter(upload_id=upload.id, origin=ClipOrigin.MANUAL)
        kept = {uuid.UUID(str(r)) for r in await manual.values_list("id", flat=True)}
        keyed: list[tuple[CutClip, uuid.UUID, dict[str, str]]] = []
        for c in clips:
            clip_id = auto_clip_id(upload.id, c.start, c.end, kept)
            kept.add(clip_id)
            keyed.append((c, clip_id, await put_clip_files(upload.id, clip_id, c.files)))
        async with in_transaction() as conn:
            await defer_ranks(conn)
            # captions and exports of the removed clips cascade
            await Clip.filter(upload_id=upload.id, origin=ClipOrigin.AUTO).using_db(conn).delete()
            rows = [
                Clip(
                    id=clip_id,
                    upload_id=upload.id,
                    rank=c.rank,
                    title=c.title,
                    origin=ClipOrigin.AUTO,
                    **clip_values(c, keys),
                )
                for c, clip_id, keys in keyed
            ]
            await Clip.bulk_create(rows, using_db=conn)
            for row, caps in zip(rows, captions, strict=True) if captions is not None else ():
                await replace_captions(row.id, caps, conn)
            if options is not None:
                await Upload.filter(id=upload.id).using_db(conn).update(clip_options=options)
                upload.clip_options = options
            await rerank(upload.id, conn)
            if finish is not None:
                await move_upload(upload, finish, conn=conn)
        await drop_stale(upload.id)
    return rows


async def drop_stale(upload_id: uuid.UUID) -> None:
    """Objects of clips and exports that no row names any more (removed or re-cut clips)."""
    clips = await Clip.filter(upload_id=upload_id).values_list(*KEY_COLUMNS)
    keep = {key for row in clips for key in row}
    exports = await Export.filter(clip__upload_id=upload_id).values_list("id", flat=True)
    keep |= {layout.export_key(upload_id, str(e)) for e in exports}
    store = get_store()
    with classified("tidy old clips"):
        for folder in (layout.CLIPS_DIR, layout.EXPORTS_DIR):
            for key in await store.list_keys(layout.key(upload_id, folder + "/")):
                if key not in keep:
                    await store.delete(key)


async def clips_of(upload_id: uuid.UUID) -> list[Clip]:
    return await Clip.filter(upload_id=upload_id).order_by("rank")


# ---------------------------------------------------------------- captions


def caption_text(caption: PlatformCaption) -> str:
    """The post text; a separate title (YouTube Shorts) leads it, as the first line."""
    if caption.title and not caption.text.startswith(caption.title):
        return f"{caption.title}\n\n{caption.text}"
    return caption.text


async def save_captions(clip_id: uuid.UUID, captions: Sequence[PlatformCaption]) -> None:
    """One Caption per platform for the clip, replacing the clip's earlier captions."""
    async with in_transaction() as conn:
        await replace_captions(clip_id, captions, conn)


async def replace_captions(
    clip_id: uuid.UUID, captions: Sequence[PlatformCaption], conn: BaseDBAsyncClient
) -> None:
    """save_captions inside the caller's transaction."""
    await Caption.filter(clip_id=clip_id).using_db(conn).delete()
    await Caption.bulk_create(
        [
            Caption(
                clip_id=clip_id,
                platform=CaptionPlatform(c.platform),
                text=caption_text(c),
                hashtags=list(c.hashtags),
            )
            for c in captions
        ],
        using_db=conn,
    )


async def clips_with_captions(upload_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await Caption.filter(clip__upload_id=upload_id).values_list("clip_id", flat=True)
    return {uuid.UUID(str(r)) for r in rows}
