"""Stage results into storage and the database, replacing (never adding to) earlier runs.

Objects go first, under deterministic keys (a re-run overwrites them); then the stage's rows
are replaced in one transaction; then objects a shorter re-run no longer uses are deleted.
A crash between those steps leaves either the old rows or the new ones, each with its files.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.storage import ObjectMissing, StorageError, get_store
from jobs.errors import TransientError
from jobs.media.types import AudioFeatures, PlatformCaption, Segment, TranscriptResult, Word
from jobs.pipeline import layout
from jobs.pipeline.errors import classified
from jobs.pipeline.steps import CutClip, Transcribed, features_from_json
from orm.models import Caption, Clip, Transcript, TranscriptSegment, Upload
from orm.models.enums import CaptionPlatform

# ---------------------------------------------------------------- objects


async def fetch_original(upload: Upload, folder: Path) -> Path:
    """Stream the uploaded original to a local file (never whole in memory)."""
    suffix = PurePosixPath(upload.storage_key).suffix or PurePosixPath(upload.filename).suffix
    dest = folder / f"original{suffix.lower() or '.bin'}"
    with classified("download the video"):
        await get_store().download(upload.storage_key, dest)
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


async def save_clips(upload: Upload, clips: Sequence[CutClip]) -> list[Clip]:
    """Clip files, then the upload's Clip rows (replaced), then files of dropped ranks."""
    keyed: list[tuple[CutClip, dict[str, str]]] = []
    for c in clips:
        keyed.append((c, await put_files(upload.id, c.files)))
    async with in_transaction():
        await Clip.filter(upload_id=upload.id).delete()  # captions and exports cascade
        rows = [
            Clip(
                id=uuid.uuid4(),
                upload_id=upload.id,
                rank=c.rank,
                start_seconds=c.start,
                end_seconds=c.end,
                duration_seconds=c.duration,
                score=c.score,
                title=c.title,
                reason=c.reason,
                video_key=keys[layout.clip_file(c.rank, layout.CLIP_VIDEO)],
                thumbnail_key=keys[layout.clip_file(c.rank, layout.CLIP_THUMBNAIL)],
                srt_key=keys[layout.clip_file(c.rank, layout.CLIP_SRT)],
                vtt_key=keys[layout.clip_file(c.rank, layout.CLIP_VTT)],
                ass_key=keys[layout.clip_file(c.rank, layout.CLIP_ASS)],
            )
            for c, keys in keyed
        ]
        await Clip.bulk_create(rows)
    await _drop_stale(upload.id, {k for _, keys in keyed for k in keys.values()})
    return rows


async def _drop_stale(upload_id: uuid.UUID, keep: set[str]) -> None:
    """Objects of clips (and their exports) that the new rows no longer reference."""
    store = get_store()
    with classified("tidy old clips"):
        for key in await store.list_keys(layout.key(upload_id, layout.CLIPS_DIR + "/")):
            if key not in keep:
                await store.delete(key)
        await store.delete_prefix(layout.key(upload_id, layout.EXPORTS_DIR + "/"))


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
    async with in_transaction():
        await Caption.filter(clip_id=clip_id).delete()
        await Caption.bulk_create(
            [
                Caption(
                    clip_id=clip_id,
                    platform=CaptionPlatform(c.platform),
                    text=caption_text(c),
                    hashtags=list(c.hashtags),
                )
                for c in captions
            ]
        )


async def clips_with_captions(upload_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await Caption.filter(clip__upload_id=upload_id).values_list("clip_id", flat=True)
    return {uuid.UUID(str(r)) for r in rows}
