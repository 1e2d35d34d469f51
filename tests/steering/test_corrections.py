"""correctTranscript on real media: the words of a span replaced at once, then the job rewrites
the transcript's files and the subtitles and captions of the clips it touches (never their
edges); twice gives the same rows and files; bad input writes nothing."""

from __future__ import annotations

import json
from typing import Any

from core.storage import get_store
from orm.models import Caption, Clip, Transcript, TranscriptSegment, Upload
from orm.models.enums import UploadStatus
from tests.factories import create_user, gid
from tests.pipeline.contract import operation
from tests.steering.conftest import Ready, queued_jobs, run_job, stored_keys


async def _segments(upload_id: Any) -> list[tuple[Any, ...]]:
    rows = await TranscriptSegment.filter(transcript__upload_id=upload_id).order_by("index")
    return [(s.index, s.start, s.end, s.text, json.dumps(s.words)) for s in rows]


async def _correct(gql: Any, token: str, upload_id: Any, corrections: list[Any]) -> Any:
    variables = {"input": {"uploadId": gid("Upload", upload_id), "corrections": corrections}}
    body = await gql(operation("CorrectTranscript"), variables, token)
    return body["data"]["correctTranscript"]


async def _misheard(upload_id: Any) -> tuple[float, float]:
    """The span of "new podcasts" in the first sentence (the neighbours stay outside)."""
    words = [
        w
        for s in await TranscriptSegment.filter(transcript__upload_id=upload_id).order_by("index")
        for w in s.words
    ]
    texts = [w["text"].lower().strip(".,?") for w in words]
    i = texts.index("new")
    assert texts[i + 1] == "podcasts", texts
    return words[i]["start"] + 0.01, words[i + 1]["end"] - 0.01


async def test_a_correction_rewrites_the_transcript_and_the_clips_it_touches(
    gql: Any, ready: Ready, fresh: Any
) -> None:
    store = get_store()
    start, end = await _misheard(fresh.id)
    clips = await Clip.filter(upload_id=fresh.id).order_by("rank")
    touched = [c for c in clips if c.start_seconds < end and c.end_seconds > start]
    other = [c for c in clips if c not in touched]
    assert touched and other
    other_files = {c.id: await store.get_bytes(c.srt_key) for c in other}
    other_captions = {c.id: await _caption_ids(c.id) for c in other}

    payload = await _correct(
        gql,
        ready.token,
        fresh.id,
        [{"startSeconds": start, "endSeconds": end, "text": "fresh shows"}],
    )
    assert payload["errors"] == []
    text = payload["upload"]["transcript"]["text"]
    before, after = await _neighbours(ready.upload.id, start, end)
    assert f"{before} fresh shows {after}" in text and "new podcasts" not in text.lower()
    assert (await Transcript.get(upload_id=fresh.id)).text == text
    words = [
        w
        for s in await TranscriptSegment.filter(transcript__upload_id=fresh.id).order_by("index")
        for w in s.words
    ]
    new = [w for w in words if w["text"] in ("fresh", "shows")]
    assert len(new) == 2 and start - 0.02 <= new[0]["start"] < new[1]["end"] <= end + 0.02
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)

    ((ident, args),) = await queued_jobs(f"correct_transcript:{fresh.id}:")
    result, events = await run_job("correct_transcript", args)
    assert result["clips"] == len(touched)
    assert [(e["stage"], e["status"]) for e in events][0] == ("TRANSCRIBE", "STARTED")
    assert (events[-1]["stage"], events[-1]["status"]) == ("TRANSCRIBE", "COMPLETED")
    t = await Transcript.get(upload_id=fresh.id)
    whole = json.loads(await store.get_bytes(t.json_key))
    assert whole["text"] == text
    assert "fresh shows" in (await store.get_bytes(t.srt_key)).decode()
    assert "fresh shows" in (await store.get_bytes(t.vtt_key)).decode()
    for c in touched:
        row = await Clip.get(id=c.id)
        assert (row.start_seconds, row.end_seconds) == (c.start_seconds, c.end_seconds)
        for key in (row.srt_key, row.vtt_key):
            said = (await store.get_bytes(key)).decode()
            assert "fresh" in said and "new podcasts" not in said.lower()
        assert "fresh" in (await store.get_bytes(row.ass_key)).decode()
        assert len(await _caption_ids(c.id)) == 5
    for c in other:  # clips the span does not touch are left alone
        assert await store.get_bytes(c.srt_key) == other_files[c.id]
        assert await _caption_ids(c.id) == other_captions[c.id]

    # the same correction and the same job again: the same rows and files
    rows, files = await _segments(fresh.id), await stored_keys(fresh.id)
    captions = {c.id: await _caption_texts(c.id) for c in touched}
    again = await _correct(
        gql,
        ready.token,
        fresh.id,
        [{"startSeconds": start, "endSeconds": end, "text": "fresh shows"}],
    )
    assert again["errors"] == [] and again["upload"]["transcript"]["text"] == text
    assert await _segments(fresh.id) == rows
    jobs = await queued_jobs(f"correct_transcript:{fresh.id}:")
    assert len(jobs) == 2 and jobs[0][0] != jobs[1][0]  # one job per correction
    await run_job("correct_transcript", args)
    assert await stored_keys(fresh.id) == files
    assert {c.id: await _caption_texts(c.id) for c in touched} == captions


async def test_bad_corrections_write_nothing(gql: Any, ready: Ready, fresh: Any) -> None:
    rows = await _segments(fresh.id)
    end = fresh.duration_seconds
    span = {"startSeconds": 2.0, "endSeconds": 3.0, "text": "hello"}
    cases = [
        ([{**span, "endSeconds": 1.0}], "INVALID_SPAN", "input.corrections.0.endSeconds"),
        (
            [span, {**span, "startSeconds": -2.0}],
            "SPAN_OUTSIDE_MEDIA",
            "input.corrections.1.startSeconds",
        ),
        ([{**span, "endSeconds": end + 3}], "SPAN_OUTSIDE_MEDIA", "input.corrections.0.endSeconds"),
        (
            [span, {**span, "startSeconds": 2.5, "endSeconds": 4.0}],
            "OVERLAPPING_CORRECTIONS",
            "input.corrections",
        ),
        ([{**span, "text": "word " * 300}], "TEXT_TOO_LONG", "input.corrections.0.text"),
        ([], "INVALID_CORRECTIONS", "input.corrections"),
        (
            [{**span, "startSeconds": 0.1 * i, "endSeconds": 0.1 * i + 0.05} for i in range(51)],
            "INVALID_CORRECTIONS",
            "input.corrections",
        ),
    ]
    for corrections, code, field in cases:
        payload = await _correct(gql, ready.token, fresh.id, corrections)
        assert payload["upload"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], code
    _, stranger = await create_user()
    payload = await _correct(gql, stranger, fresh.id, [span])
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "input.uploadId")]
    await Upload.filter(id=fresh.id).update(status=UploadStatus.CLIPPING)
    payload = await _correct(gql, ready.token, fresh.id, [span])
    assert payload["errors"][0]["code"] == "UPLOAD_NOT_READY"
    assert await _segments(fresh.id) == rows
    assert await queued_jobs("correct_transcript:") == []


async def _neighbours(upload_id: Any, start: float, end: float) -> tuple[str, str]:
    """The words said just before and after the span (in the untouched original)."""
    words = [
        w
        for s in await TranscriptSegment.filter(transcript__upload_id=upload_id).order_by("index")
        for w in s.words
    ]
    mids = [(w["start"] + w["end"]) / 2 for w in words]
    i = next(k for k, m in enumerate(mids) if m >= start)
    j = max(k for k, m in enumerate(mids) if m <= end)
    return words[i - 1]["text"], words[j + 1]["text"]


async def _caption_ids(clip_id: Any) -> set[Any]:
    return {c.id for c in await Caption.filter(clip_id=clip_id)}


async def _caption_texts(clip_id: Any) -> list[tuple[str, str]]:
    return sorted((c.platform, c.text) for c in await Caption.filter(clip_id=clip_id))
