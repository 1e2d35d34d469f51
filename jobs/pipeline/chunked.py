"""A long transcription in chunks: the plan, one chunk's work, and the merge.

The transcribe job of long media (core.pipeline: two chunks or more) cuts the audio at
silences, stores each chunk's audio and one TranscriptChunk row per chunk in one
transaction, and starts a transcribe_chunk job per chunk; any worker with a long slot takes
them, so several workers share one upload. A chunk job stores its words (on the whole
audio's clock) in its row. Whoever finds every chunk done merges them: the Transcript
replaces any earlier one and the chunk rows go, in one transaction under the upload's row
lock, so of two racing merges the second finds nothing left to merge.

A lost worker costs one chunk (its job runs again); a lost job is found by the reconciler,
whose transcribe job sees the plan and restarts only the chunks not done.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core.clip_options import ClipOptions
from core.config import Settings
from core.storage import get_store
from jobs import schedule
from jobs.media.chunks import Span, merge, write_span
from jobs.media.types import Segment, TranscriptResult
from jobs.pipeline import layout, results, steps
from jobs.pipeline.errors import classified
from jobs.pipeline.progress import StageReporter
from orm.models import TranscriptChunk, Upload

log = logging.getLogger("clipforge.pipeline")


async def chunks_of(upload_id: Any) -> list[TranscriptChunk]:
    return await TranscriptChunk.filter(upload_id=upload_id).order_by("index")


# ---------------------------------------------------------------- plan


async def plan(upload: Upload, split: steps.SplitAudio, work: Path) -> list[TranscriptChunk]:
    """Chunk audio into storage, loudness beside it, then the chunk rows (replacing any)."""
    store = get_store()
    count = len(split.spans)
    for index, span in enumerate(split.spans):
        local = await asyncio.to_thread(write_span, split.wav, span, work / f"chunk-{index}.wav")
        with classified("store the audio chunks"):
            await store.put_file(layout.key(upload.id, layout.chunk_audio(index)), local)
        local.unlink(missing_ok=True)
    await results.put_files(upload.id, steps.features_file(split.audio, work))
    rows = [
        TranscriptChunk(
            upload_id=upload.id,
            index=index,
            count=count,
            start_seconds=span.start_seconds,
            end_seconds=span.end_seconds,
            audio_key=layout.key(upload.id, layout.chunk_audio(index)),
        )
        for index, span in enumerate(split.spans)
    ]
    async with in_transaction() as conn:
        await TranscriptChunk.filter(upload_id=upload.id).using_db(conn).delete()
        await TranscriptChunk.bulk_create(rows, using_db=conn)
        if upload.duration_seconds is None:
            upload.duration_seconds = split.media.duration
            await upload.save(update_fields=["duration_seconds"], using_db=conn)
    return await chunks_of(upload.id)


async def start_missing(upload: Upload, rows: list[TranscriptChunk], pool: Any) -> int:
    """Start the job of every chunk not done (a queued or running one is left alone)."""
    started = 0
    with classified("start the chunk jobs"):
        for row in rows:
            if not row.done and await schedule.start_transcribe_chunk(
                upload.id, row.index, pool=pool
            ):
                started += 1
    return started


# ---------------------------------------------------------------- one chunk


def span_of(row: TranscriptChunk) -> Span:
    from jobs.media.audio import SAMPLE_RATE

    return Span(round(row.start_seconds * SAMPLE_RATE), round(row.end_seconds * SAMPLE_RATE))


def _segment_rows(segments: tuple[Segment, ...]) -> list[dict[str, Any]]:
    return [
        {
            "start": s.start,
            "end": s.end,
            "text": s.text,
            "words": results.word_rows(s.words),
        }
        for s in segments
    ]


def spoken_language(upload: Upload, settings: Settings) -> str | None:
    """The language the upload's options ask for (None: detected)."""
    return ClipOptions.from_json(upload.clip_options, settings).language


async def transcribe_chunk(
    upload: Upload, row: TranscriptChunk, work: Path, settings: Settings
) -> None:
    """One chunk through Whisper; its words stored in its row (done)."""
    wav = await results.fetch_object(row.audio_key, work / f"chunk-{row.index}.wav")
    segments, language = await steps.transcribe_span(
        wav, span_of(row), settings, language=spoken_language(upload, settings)
    )
    await TranscriptChunk.filter(id=row.id).update(
        done=True, language=(language or "")[:8], segments=_segment_rows(segments)
    )


async def progress(upload_id: Any, report: StageReporter) -> tuple[int, int]:
    """Chunks done / chunks, published as the stage's progress."""
    rows = await TranscriptChunk.filter(upload_id=upload_id).values_list("done", "count")
    done, count = sum(1 for d, _ in rows if d), max((c for _, c in rows), default=0)
    if count:
        await report.progress(done / count, f"{done} of {count} parts transcribed")
    return done, count


# ---------------------------------------------------------------- merge


def _segments(row: TranscriptChunk) -> tuple[Segment, ...]:
    return tuple(
        Segment(
            start=float(s["start"]),
            end=float(s["end"]),
            text=str(s["text"]),
            words=results.words_from_rows(s["words"]),
        )
        for s in row.segments
    )


def complete(rows: list[TranscriptChunk]) -> bool:
    return bool(rows) and len(rows) == rows[0].count and all(r.done for r in rows)


async def merge_if_complete(upload: Upload, work: Path) -> TranscriptResult | None:
    """The merged transcript saved (chunk rows removed), or None when chunks are missing
    or another job merged them first."""
    rows = await chunks_of(upload.id)
    if not complete(rows):
        return None
    duration = upload.duration_seconds or rows[-1].end_seconds
    merged = merge([(_segments(r), r.language or "") for r in rows], duration)
    keys = await results.put_files(upload.id, steps.transcript_files(merged, work))
    async with in_transaction() as conn:
        await Upload.filter(id=upload.id).using_db(conn).select_for_update().first()
        current = await TranscriptChunk.filter(upload_id=upload.id).using_db(conn)
        if [(r.id, r.done) for r in sorted(current, key=lambda r: r.index)] != [
            (r.id, r.done) for r in rows
        ]:
            return None  # merged (or re-planned) by another job meanwhile
        await results.replace_transcript(upload, merged, keys, duration, conn)
        await TranscriptChunk.filter(upload_id=upload.id).using_db(conn).delete()
    await _drop_audio(upload.id, [r.audio_key for r in rows])
    return merged


async def _drop_audio(upload_id: Any, keys: list[str]) -> None:
    """Chunk audio is not needed once merged (a failure leaves files the upload's deletion
    removes with its prefix)."""
    store = get_store()
    for key in keys:
        try:
            await store.delete(key)
        except Exception:  # noqa: BLE001 - best effort
            log.warning("could not delete chunk audio %s", key, exc_info=True)
