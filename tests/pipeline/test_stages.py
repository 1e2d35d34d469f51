"""The stages on real media: transcript, clips, subtitles, captions, status and events."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from core.probe import probe
from core.storage import get_store
from orm.models import Caption, Clip, Export, Transcript, TranscriptSegment
from orm.models.enums import CaptionPlatform, ClipOrigin, UploadStatus
from tests.pipeline.conftest import SENTENCES, Run

PLATFORMS = {p.value for p in CaptionPlatform}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = _words(reference), _words(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / max(1, len(ref))


async def test_transcript_rows_and_files(run: Run) -> None:
    t = await Transcript.get(upload_id=run.upload.id)
    segments = await TranscriptSegment.filter(transcript_id=t.id).order_by("index")
    assert t.language == "en"
    assert segments and [s.index for s in segments] == list(range(len(segments)))
    words = [w for s in segments for w in s.words]
    assert all(set(w) == {"start", "end", "text", "p"} for w in words)
    assert all(0 <= w["start"] <= w["end"] <= t.duration_seconds + 0.5 for w in words)
    # tiny.en on espeak-ng speech: about 5 % measured; 20 % leaves room for numbers as digits
    spoken = " ".join(SENTENCES).replace("ninety percent", "90%")
    assert word_error_rate(spoken, t.text) < 0.2, t.text
    store = get_store()
    data = json.loads(await store.get_bytes(t.json_key))
    assert data["text"] == t.text
    srt = (await store.get_bytes(t.srt_key)).decode()
    vtt = (await store.get_bytes(t.vtt_key)).decode()
    assert srt.startswith("1\n") and " --> " in srt
    assert vtt.startswith("WEBVTT")
    assert t.json_key == f"uploads/{run.upload.id}/transcript.json"
    assert run.queued_after["clip"], "transcribe must enqueue clip:<upload id>"


async def test_clips_cut_on_word_boundaries_within_a_frame(run: Run, tmp_path: Path) -> None:
    clips = await Clip.filter(upload_id=run.upload.id).order_by("rank")
    assert [c.rank for c in clips] == [1, 2, 3]
    assert [c.score for c in clips] == sorted((c.score for c in clips), reverse=True)
    t = await Transcript.get(upload_id=run.upload.id)
    words = [w for s in await TranscriptSegment.filter(transcript_id=t.id) for w in s.words]
    starts = {round(w["start"], 3) for w in words}
    ends = {round(w["end"], 3) for w in words}
    store = get_store()
    for c in clips:
        assert round(c.start_seconds, 3) in starts and round(c.end_seconds, 3) in ends
        assert 4.0 <= c.end_seconds - c.start_seconds <= 10.0
        assert c.title and c.reason.endswith(".")
        local = tmp_path / f"{c.rank}.mp4"
        await store.download(c.video_key, local)
        info = await probe(local)
        frame = 1 / (info.fps or 25)
        measured = info.video_duration or info.duration
        assert abs(measured - c.duration_seconds) <= frame
        assert abs(c.duration_seconds - (c.end_seconds - c.start_seconds)) <= frame + 1e-3
        assert (await store.get_bytes(c.thumbnail_key))[:3] == b"\xff\xd8\xff"  # JPEG
        srt = (await store.get_bytes(c.srt_key)).decode()
        assert srt.startswith("1\n00:00:0"), srt  # re-timed to the clip
        assert (await store.get_bytes(c.vtt_key)).decode().startswith("WEBVTT")
        assert "\\k" in (await store.get_bytes(c.ass_key)).decode()
        assert c.video_key == f"uploads/{run.upload.id}/clips/{c.id}/clip.mp4"
        assert c.origin == ClipOrigin.AUTO and {p["name"] for p in c.score_breakdown} >= {"hook"}
    for a in clips:  # non-overlapping
        for b in clips:
            assert a is b or a.end_seconds <= b.start_seconds or b.end_seconds <= a.start_seconds


async def test_captions_per_platform_and_ready(run: Run) -> None:
    assert run.upload.status == UploadStatus.READY
    assert run.queued_after["captions"]
    clips = await Clip.filter(upload_id=run.upload.id)
    texts = set()
    for c in clips:
        caps = await Caption.filter(clip_id=c.id)
        assert {cap.platform for cap in caps} == PLATFORMS and len(caps) == len(PLATFORMS)
        for cap in caps:
            assert cap.text and 3 <= len(cap.hashtags) <= 5
            assert all(tag.startswith("#") for tag in cap.hashtags)
        x = next(cap for cap in caps if cap.platform == CaptionPlatform.X)
        assert len(x.text) <= 280
        texts.add(x.text)
    assert len(texts) == len(clips)  # each clip's own words, not one template


async def test_events_in_stage_order(run: Run) -> None:
    seen = [(e["stage"], e["status"]) for e in run.events]
    assert all(e["upload_id"] == str(run.upload.id) for e in run.events)
    stages = ["TRANSCRIBE", "CLIP", "CAPTIONS"]
    for stage in stages:
        mine = [s for st, s in seen if st == stage]
        assert mine[0] == "STARTED" and mine[-1] == "COMPLETED", (stage, mine)
        assert set(mine[1:-1]) <= {"PROGRESS"}
    order = [st for st, _ in seen]
    assert order == sorted(order, key=stages.index), "stages interleaved"
    progress = [e["progress"] for e in run.events if e["stage"] == "TRANSCRIBE"]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert any(0 < p < 1 for p in progress), "no progress while transcribing"
    cutting = [e["progress"] for e in run.events if e["stage"] == "CLIP"]
    assert len([p for p in cutting if 0 < p < 1]) >= 2, "no progress while cutting"


async def test_finished_stage_exits_early(run: Run) -> None:
    from jobs.tasks.clip import clip
    from jobs.tasks.transcribe import transcribe

    before = await Transcript.get(upload_id=run.upload.id)
    assert (await transcribe({}, str(run.upload.id)))["skipped"] == "already transcribed"
    assert (await clip({}, str(run.upload.id)))["skipped"] == "already clipped"
    assert (await Transcript.get(upload_id=run.upload.id)).id == before.id


async def test_rerun_replaces_rows_and_objects(run: Run) -> None:
    from tests.pipeline.conftest import clip_count, run_stages

    store = get_store()
    prefix = f"uploads/{run.upload.id}/"

    async def snapshot() -> tuple[Any, ...]:
        t = await Transcript.filter(upload_id=run.upload.id).count()
        segs = await TranscriptSegment.filter(transcript__upload_id=run.upload.id).count()
        clips = await Clip.filter(upload_id=run.upload.id).count()
        caps = await Caption.filter(clip__upload_id=run.upload.id).count()
        keys = [k for k in await store.list_keys(prefix) if "/exports/" not in k]
        return t, segs, clips, caps, keys

    first = await snapshot()
    run.upload.status = UploadStatus.QUEUED  # as a retried upload would be
    await run.upload.save()
    with clip_count():
        results, _ = await run_stages(run.upload)
    assert "skipped" not in results["transcribe"] and "skipped" not in results["clip"]
    second = await snapshot()
    assert second == first
    assert first[0] == 1 and first[2] == 3 and first[3] == 15
    # Exports belonged to the replaced clips: their rows cascade, their files are removed.
    assert await store.list_keys(prefix + "exports/") == []
    assert await Export.filter(clip__upload_id=run.upload.id).count() == 0
    await run.upload.refresh_from_db()
    assert run.upload.status == UploadStatus.READY
