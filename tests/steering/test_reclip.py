"""reclipUpload on real media: new options, no transcription, no charge; clips the user made
stay, found ones are replaced with their files; the job twice gives the same rows and files."""

from __future__ import annotations

from typing import Any

from core.storage import get_store
from jobs.errors import StageError
from orm.models import Caption, Clip, CreditTransaction, Transcript, Upload
from orm.models.enums import ClipOrigin, UploadStatus
from tests.factories import gid
from tests.pipeline.contract import operation
from tests.steering.conftest import Ready, queued_jobs, run_job, stored_keys

RENAME = """mutation($input: UpdateClipInput!) {
  updateClip(input: $input) { clip { id origin title } errors { code field } } }"""


async def _rows(upload_id: Any) -> list[tuple[Any, ...]]:
    clips = await Clip.filter(upload_id=upload_id).order_by("rank")
    out = []
    for c in clips:
        caps = sorted((p.platform, p.text) for p in await Caption.filter(clip_id=c.id))
        out.append(
            (c.id, c.rank, c.origin, c.start_seconds, c.end_seconds, c.score, c.title)
            + (c.video_key, c.srt_key, tuple(caps), tuple(p["name"] for p in c.score_breakdown))
        )
    return out


async def _reclip(gql: Any, token: str, upload: Any, options: dict[str, Any]) -> dict[str, Any]:
    body = await gql(
        operation("ReclipUpload"), {"id": gid("Upload", upload.id), "options": options}, token
    )
    return dict(body["data"]["reclipUpload"])


async def test_reclip_replaces_found_clips_and_keeps_the_users(
    gql: Any, ready: Ready, fresh: Any
) -> None:
    store = get_store()
    before = await Clip.filter(upload_id=fresh.id).order_by("rank")
    mine = next(c for c in before if "audience" not in (c.title + c.reason).lower())
    renamed = await gql(
        RENAME, {"input": {"id": gid("Clip", mine.id), "title": "My favourite bit"}}, ready.token
    )
    assert renamed["data"]["updateClip"]["clip"]["origin"] == "MANUAL"
    old_auto = [c for c in before if c.id != mine.id]
    transcript_id = (await Transcript.get(upload_id=fresh.id)).id
    ledger = await CreditTransaction.filter(user_id=ready.user.id).count()

    options = {"minSeconds": 5, "maxSeconds": 12, "count": 2, "prompt": "growing your audience"}
    payload = await _reclip(gql, ready.token, fresh, options)
    assert payload["errors"] == [] and payload["upload"]["status"] == "CLIPPING"
    jobs = await queued_jobs(f"reclip:{fresh.id}:")
    assert len(jobs) == 1 and not await queued_jobs("transcribe:")
    result, events = await run_job("reclip", jobs[0][1])
    assert result["clips"] == 2

    steps = [(e["stage"], e["status"]) for e in events]
    assert steps[0] == ("CLIP", "STARTED") and steps[-1] == ("CAPTIONS", "COMPLETED")
    assert steps.index(("CLIP", "COMPLETED")) < steps.index(("CAPTIONS", "STARTED"))
    assert {s for _, s in steps} <= {"STARTED", "PROGRESS", "COMPLETED"}
    upload = await Upload.get(id=fresh.id)
    assert upload.status == UploadStatus.READY
    assert upload.clip_options == {
        **options,
        "minSeconds": 5.0,
        "maxSeconds": 12.0,
        "language": None,
    }

    after = await Clip.filter(upload_id=fresh.id).order_by("rank")
    assert [c.rank for c in after] == [1, 2, 3]
    assert [c.score for c in after] == sorted((c.score for c in after), reverse=True)
    kept = next(c for c in after if c.origin == ClipOrigin.MANUAL)
    assert (kept.id, kept.title, kept.video_key) == (mine.id, "My favourite bit", mine.video_key)
    found = [c for c in after if c.origin == ClipOrigin.AUTO]
    assert len(found) == 2 and not {c.id for c in found} & {c.id for c in old_auto}
    for c in found:
        assert 5.0 <= c.end_seconds - c.start_seconds <= 12.0
        assert c.end_seconds <= kept.start_seconds or c.start_seconds >= kept.end_seconds
        assert "relevance" in {p["name"] for p in c.score_breakdown}
        assert await Caption.filter(clip_id=c.id).count() == 5
        assert await store.exists(c.video_key) and await store.exists(c.ass_key)
    best = min(found, key=lambda c: c.rank)
    assert best.reason.startswith("About "), best.reason
    for c in old_auto:  # the replaced clips' files are gone
        assert not await store.exists(c.video_key) and not await store.exists(c.thumbnail_key)
    named = {getattr(c, k) for c in after for k in ("video_key", "thumbnail_key", "srt_key")}
    named |= {getattr(c, k) for c in after for k in ("vtt_key", "ass_key")}
    assert {k for k in await stored_keys(fresh.id) if "/clips/" in k} == named

    # no transcription, no charge
    assert (await Transcript.get(upload_id=fresh.id)).id == transcript_id
    assert await CreditTransaction.filter(user_id=ready.user.id).count() == ledger

    # idempotent: the same job again gives the same rows and files
    rows, files = await _rows(fresh.id), await stored_keys(fresh.id)
    again, _ = await run_job("reclip", jobs[0][1])
    assert again["clips"] == 2
    assert await _rows(fresh.id) == rows
    files_again = await stored_keys(fresh.id)
    assert set(files_again) == set(files)
    assert all(files_again[k] == files[k] for k in files if k.endswith((".srt", ".vtt", ".ass")))


async def test_bad_options_and_busy_uploads_change_nothing(
    gql: Any, ready: Ready, fresh: Any
) -> None:
    rows = await _rows(fresh.id)
    payload = await _reclip(
        gql, ready.token, fresh, {"minSeconds": 3, "count": 0, "prompt": "x" * 501}
    )
    assert payload["upload"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("INVALID_CLIP_LENGTH", "options.minSeconds"),
        ("INVALID_CLIP_COUNT", "options.count"),
        ("PROMPT_TOO_LONG", "options.prompt"),
    ]
    payload = await _reclip(gql, ready.token, fresh, {"minSeconds": 30, "maxSeconds": 20})
    assert payload["errors"][0]["field"] == "options.minSeconds"
    payload = await _reclip(gql, ready.token, fresh, {"language": "xx"})
    assert (payload["errors"][0]["code"], payload["errors"][0]["field"]) == (
        "UNSUPPORTED_LANGUAGE",
        "options.language",
    )
    assert (await Upload.get(id=fresh.id)).status == UploadStatus.READY
    assert await queued_jobs("reclip:") == []

    first = await _reclip(gql, ready.token, fresh, {"count": 1})
    assert first["errors"] == []
    second = await _reclip(gql, ready.token, fresh, {"count": 2})
    assert second["errors"][0]["code"] == "UPLOAD_NOT_READY"
    assert len(await queued_jobs("reclip:")) == 1
    assert await _rows(fresh.id) == rows


async def test_a_failed_reclip_keeps_the_clips_it_had(gql: Any, ready: Ready, fresh: Any) -> None:
    rows = await _rows(fresh.id)
    await get_store().delete(fresh.storage_key)  # the original is gone: cutting must fail
    payload = await _reclip(gql, ready.token, fresh, {"count": 1, "prompt": "podcasts"})
    assert payload["errors"] == []
    ((_, args),) = await queued_jobs("reclip:")
    error, events = await run_job("reclip", args, fails=True)
    assert isinstance(error, StageError)
    assert [(e["stage"], e["status"]) for e in events][-1] == ("CLIP", "FAILED")
    assert "missing" in events[-1]["message"]
    assert (await Upload.get(id=fresh.id)).status == UploadStatus.READY
    assert await _rows(fresh.id) == rows
    upload = await Upload.get(id=fresh.id)
    assert upload.clip_options == fresh.clip_options  # the options that made these clips
