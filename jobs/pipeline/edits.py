"""Results of a user's edits of a READY upload: a clip made or trimmed by hand, and the files
a transcript correction changes. Like results.py: objects first (under the clip's own keys,
so a re-cut replaces them), then rows in one transaction, then objects nothing names any more;
all under the upload's edit lock (edit_lock.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from tortoise.transactions import in_transaction

from core.storage import get_store
from jobs.media.types import PlatformCaption, TranscriptResult
from jobs.pipeline import layout, steps
from jobs.pipeline.edit_lock import upload_edit_lock
from jobs.pipeline.errors import classified
from jobs.pipeline.results import (
    clip_values,
    drop_stale,
    put_clip_files,
    put_files,
    replace_captions,
)
from jobs.pipeline.steps import CutClip
from orm.clip_ranks import LAST_RANK, defer_ranks, rerank
from orm.models import Clip, Export, Upload
from orm.models.enums import ClipOrigin


async def save_manual_clip(
    upload: Upload,
    clip_id: uuid.UUID,
    cut: CutClip,
    captions: Sequence[PlatformCaption],
    *,
    title: str | None,
) -> Clip | None:
    """Create the clip (`title` given) or replace an existing one's cut, score, subtitles and
    captions; its origin is MANUAL. New edges drop the clip's exports (they show the old cut).

    None when an edited clip was deleted meanwhile (the files just stored are removed).
    """
    async with upload_edit_lock(upload.id):
        keys = await put_clip_files(upload.id, clip_id, cut.files)
        async with in_transaction() as conn:
            await defer_ranks(conn)
            row = (
                await Clip.filter(id=clip_id, upload_id=upload.id)
                .select_for_update()
                .using_db(conn)
                .first()
            )
            values = clip_values(cut, keys)
            if row is None and title is not None:
                row = await Clip.create(
                    id=clip_id,
                    upload_id=upload.id,
                    rank=LAST_RANK,
                    title=title,
                    origin=ClipOrigin.MANUAL,
                    using_db=conn,
                    **values,
                )
            elif row is not None:
                if (row.start_seconds, row.end_seconds) != (cut.start, cut.end):
                    await Export.filter(clip_id=row.id).using_db(conn).delete()
                await (
                    Clip.filter(id=row.id).using_db(conn).update(origin=ClipOrigin.MANUAL, **values)
                )
            if row is not None:
                await replace_captions(row.id, captions, conn)
                await rerank(upload.id, conn)
        if row is None:
            await _delete(keys.values())
            return None
        await drop_stale(upload.id)
    return await Clip.get(id=clip_id)


async def _delete(keys: Iterable[str]) -> None:
    store = get_store()
    with classified("remove the files of a deleted clip"):
        for key in keys:
            await store.delete(key)


async def save_corrected_files(
    upload_id: uuid.UUID,
    transcript: TranscriptResult,
    clips: Sequence[Clip],
    captions: Sequence[Sequence[PlatformCaption]],
    work: Path,
) -> None:
    """The transcript's JSON, SRT and VTT, and each clip's subtitles, rewritten from the
    corrected transcript under their own keys; the clips' captions replaced in one go (a
    clip deleted meanwhile is left out)."""
    await put_files(upload_id, steps.transcript_files(transcript, work))
    store = get_store()
    for clip in clips:
        folder = work / "clips" / str(clip.id)
        files = steps.clip_subtitle_files(transcript, clip.start_seconds, clip.end_seconds, folder)
        targets = {
            layout.CLIP_SRT: clip.srt_key,
            layout.CLIP_VTT: clip.vtt_key,
            layout.CLIP_ASS: clip.ass_key,
        }
        with classified("store the clips' subtitles"):
            for name, path in files.items():
                await store.put_file(targets[name], path, layout.content_type(name))
    async with in_transaction() as conn:
        alive = set(
            await Clip.filter(id__in=[c.id for c in clips])
            .using_db(conn)
            .values_list("id", flat=True)
        )
        for clip, caps in zip(clips, captions, strict=True):
            if clip.id in alive:
                await replace_captions(clip.id, caps, conn)
