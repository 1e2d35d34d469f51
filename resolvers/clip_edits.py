"""Clip use cases that change clips: make one from a span, trim or rename one, delete one.

The api checks and snaps; the media work (cut, thumbnail, subtitles, score, captions) is the
worker's `cut_clip` job, whose CLIP COMPLETED event carries the clip's id. Only a READY
upload's clips are edited (a reclip or a first run owns them otherwise).
"""

from __future__ import annotations

import re
import uuid

from tortoise.transactions import in_transaction

from core.config import get_settings
from core.errors import DomainError, NotFound, ServiceUnavailable
from core.pipeline import UploadStatus
from core.storage import StorageError, get_store
from core.transcript_words import TimedWord, snap_to_words
from jobs import schedule
from orm.clip_ranks import rerank
from orm.models import Clip, Export, Upload
from orm.models.enums import ClipOrigin
from resolvers.clips import owned_clip
from resolvers.ids import decode_uuid
from resolvers.spans import (
    check_span,
    editable_upload,
    not_ready,
    segments_near,
    transcript_of,
)
from resolvers.viewer import WRITE_UPLOADS, Viewer, require

TITLE_MAX = 200
PREVIEW_MAX = 100
LENGTH_FACTOR = 3  # a hand-made clip may be this many times CLIPFORGE_CLIP_MAX_SECONDS
PENDING_REASON = "Made by hand; its video, subtitles and captions arrive with CLIP COMPLETED."
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*$")


def check_title(title: str | None) -> str | None:
    if title is None:
        return None
    clean = " ".join(title.split())
    if not clean or len(clean) > TITLE_MAX:
        raise DomainError(
            "INVALID_TITLE", f"A title has 1 to {TITLE_MAX} characters.", "input.title"
        )
    return clean


async def snapped_span(upload: Upload, start: float, end: float) -> tuple[float, float, str]:
    """The span on word boundaries (and a preview title: its first sentence), within the
    length a hand-made clip may have."""
    start, end = check_span(upload, start, end, prefix="input.")
    transcript = await transcript_of(upload.id)
    words = [w for s in await segments_near(transcript.id, start, end) for w in s.words]
    snapped = snap_to_words(words, start, end)
    if snapped is None:
        raise DomainError(
            "NO_SPEECH_IN_SPAN", "No words are spoken in that span.", "input.startSeconds"
        )
    longest = get_settings().clip_max_seconds * LENGTH_FACTOR
    if snapped[1] - snapped[0] > longest:
        raise DomainError(
            "CLIP_TOO_LONG",
            f"A clip can be at most {longest:g} seconds long.",
            "input.endSeconds",
        )
    return snapped[0], snapped[1], _preview([w for w in words if start <= w.mid <= end])


def _preview(words: list[TimedWord]) -> str:
    taken: list[str] = []
    for w in words:
        taken.append(w.text)
        if _SENTENCE_END.search(w.text) or sum(len(t) + 1 for t in taken) > PREVIEW_MAX:
            break
    return " ".join(taken)[:PREVIEW_MAX] or "Untitled clip"


async def create_clip(
    viewer: Viewer | None,
    upload_gid: str,
    start: float,
    end: float,
    title: str | None,
) -> Clip:
    """Queue the cut of a new MANUAL clip; the answer is the clip as it will be (its files,
    score and captions arrive with the CLIP COMPLETED event carrying its id)."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    upload = await editable_upload(user_id, upload_gid, "input.uploadId")
    name = check_title(title)
    s, e, preview = await snapped_span(upload, start, end)
    clip_id = uuid.uuid4()
    await schedule.start_cut_clip(
        clip_id, {"upload_id": str(upload.id), "start": s, "end": e, "create": True, "title": name}
    )
    return Clip(
        id=clip_id,
        upload_id=upload.id,
        rank=0,
        start_seconds=s,
        end_seconds=e,
        duration_seconds=round(e - s, 3),
        score=0.0,
        title=name or preview,
        reason=PENDING_REASON,
        video_key="",
        thumbnail_key="",
        srt_key="",
        vtt_key="",
        ass_key="",
        origin=ClipOrigin.MANUAL,
        score_breakdown=[],
    )


async def update_clip(
    viewer: Viewer | None,
    clip_gid: str,
    start: float | None,
    end: float | None,
    title: str | None,
) -> Clip:
    """New edges queue a re-cut (CLIP_BUSY while one is queued or running; the answer shows
    the new edges); a new title renames at once. Either makes the clip MANUAL."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    clip = await owned_clip(user_id, decode_uuid(clip_gid, "Clip", "input.id"))
    upload = await Upload.get(id=clip.upload_id)
    if upload.status != UploadStatus.READY:
        raise not_ready(upload, "input.id")
    name = check_title(title)
    edges = None
    if start is not None or end is not None:
        s, e, _ = await snapped_span(
            upload,
            clip.start_seconds if start is None else start,
            clip.end_seconds if end is None else end,
        )
        if (s, e) != (clip.start_seconds, clip.end_seconds):
            edges = (s, e)
    if edges is None and name is None:
        return clip
    if edges is not None:
        cut = {"upload_id": str(upload.id), "start": edges[0], "end": edges[1], "create": False}
        if not await schedule.start_cut_clip(clip.id, cut):
            raise DomainError(
                "CLIP_BUSY",
                "This clip is being cut; change it again after its CLIP COMPLETED event.",
                "input.id",
            )
    changes: dict[str, object] = {"origin": ClipOrigin.MANUAL}
    if name is not None:
        changes["title"] = name
    await Clip.filter(id=clip.id).update(**changes)
    clip.origin = ClipOrigin.MANUAL
    clip.title = name or clip.title
    if edges is not None:
        clip.start_seconds, clip.end_seconds = edges
        clip.duration_seconds = round(edges[1] - edges[0], 3)
    return clip


async def delete_clip(viewer: Viewer | None, clip_gid: str) -> uuid.UUID:
    """Remove the clip's files (and its exports'), then its row (captions and exports
    cascade); the other clips move up in rank."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    owned = await owned_clip(user_id, decode_uuid(clip_gid, "Clip"))
    store = get_store()
    async with in_transaction() as conn:
        clip = await Clip.filter(id=owned.id).select_for_update().using_db(conn).first()
        if clip is None:
            raise NotFound("clip")
        upload = await Upload.get(id=clip.upload_id, using_db=conn)
        if upload.status != UploadStatus.READY:
            raise not_ready(upload)
        exports = await Export.filter(clip_id=clip.id).using_db(conn).values_list("key", flat=True)
        keys = [clip.video_key, clip.thumbnail_key, clip.srt_key, clip.vtt_key, clip.ass_key]
        try:
            for key in [*keys, *(str(k) for k in exports if k)]:
                await store.delete(key)
        except StorageError:
            raise ServiceUnavailable("Storage is unavailable just now; try again.") from None
        await Clip.filter(id=clip.id).using_db(conn).delete()
        await rerank(clip.upload_id, conn)
    return clip.id
