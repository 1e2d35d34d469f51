"""exportClip's input: what the Export row keeps (the worker renders from it alone), the
defaults, and refusals that create nothing and queue nothing: an unknown or someone else's
caption style, a malformed id, SPLIT outside 9:16."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.constants import job_key_prefix

from core.caption_styles import PRESETS
from jobs.serialization import deserialize
from orm.models import Clip, Export, Upload
from orm.models.enums import UploadStatus
from tests.factories import gid
from tests.pipeline.contract import operation


async def make_clip(user: Any) -> Clip:
    upload = await Upload.create(
        user=user,
        filename="talk.mp4",
        content_type="video/mp4",
        size_bytes=1000,
        storage_key=f"uploads/{uuid.uuid4()}/original.mp4",
        status=UploadStatus.READY,
        duration_seconds=60.0,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    return await Clip.create(
        upload=upload,
        rank=1,
        start_seconds=2.0,
        end_seconds=22.0,
        duration_seconds=20.0,
        score=70.0,
        title="A clip",
        reason="Test.",
        video_key="v.mp4",
        thumbnail_key="t.jpg",
        srt_key="s.srt",
        vtt_key="s.vtt",
        ass_key="s.ass",
    )


async def export_clip(gql: Any, token: str, clip: Clip, **options: Any) -> dict[str, Any]:
    fields = {"clipId": gid("Clip", clip.id), "aspectRatio": "VERTICAL_9_16"}
    body = await gql(operation("ExportClip"), {"input": {**fields, **options}}, token)
    payload: dict[str, Any] = body["data"]["exportClip"]
    return payload


async def queued_args(redis: Any, export_id: str) -> list[Any] | None:
    raw = await redis.get(job_key_prefix + f"export:{export_id}")
    return None if raw is None else list(deserialize(raw)["a"])


async def test_the_row_keeps_every_option_and_the_job_only_its_id(
    gql: Any, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    clip = await make_clip(user)
    payload = await export_clip(
        gql,
        token,
        clip,
        burnSubtitles=True,
        reframe="SPLIT",
        captionStyleId=gid("CaptionStyle", "one-word"),
        removeFillers=True,
        removeSilences=True,
        titleOverlay=True,
        fill="BLUR",
    )
    assert payload["errors"] == []
    assert (payload["export"]["status"], payload["export"]["reframe"]) == ("QUEUED", "SPLIT")
    row = await Export.get(user_id=user.id)
    assert (row.reframe, row.fill, row.burn_subtitles) == ("SPLIT", "blur", True)
    assert (row.remove_fillers, row.remove_silences, row.title_overlay) == (True, True, True)
    assert row.caption_style == PRESETS["one-word"].to_json()
    assert (row.duration_seconds, row.reframe_used, row.message) == (None, None, None)
    assert await queued_args(redis, str(row.id)) == [str(row.id)]


@pytest.mark.parametrize("explicit_nulls", [False, True])
async def test_unset_options_take_their_defaults(
    gql: Any, make_user: Any, redis: Any, explicit_nulls: bool
) -> None:
    user, token = await make_user()
    clip = await make_clip(user)
    nulls = dict.fromkeys(
        ("reframe", "captionStyleId", "removeFillers", "removeSilences", "titleOverlay")
    )
    payload = await export_clip(
        gql, token, clip, burnSubtitles=True, **(nulls if explicit_nulls else {})
    )
    assert payload["errors"] == [] and payload["export"]["reframe"] == "CENTER"
    row = await Export.get(user_id=user.id)
    assert (row.reframe, row.fill, row.caption_style) == ("CENTER", "crop", None)
    assert not (row.remove_fillers or row.remove_silences or row.title_overlay)


async def refused(
    gql: Any, token: str, clip: Clip, user: Any, redis: Any, **options: Any
) -> list[tuple[str, str | None]]:
    payload = await export_clip(gql, token, clip, burnSubtitles=True, **options)
    assert payload["export"] is None
    assert not await Export.filter(user_id=user.id).exists()  # nothing half-made
    assert not await redis.keys(job_key_prefix + "export:*")  # nothing queued
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_unknown_foreign_and_malformed_style_ids_are_refused(
    gql: Any, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    _, stranger = await make_user()
    clip = await make_clip(user)
    created = await gql(
        operation("CreateCaptionStyle"), {"input": {"name": "stranger's"}}, stranger
    )
    foreign = created["data"]["createCaptionStyle"]["style"]["id"]
    missing = gid("CaptionStyle", uuid.uuid4())
    not_found = [("NOT_FOUND", "captionStyleId")]
    assert await refused(gql, token, clip, user, redis, captionStyleId=missing) == not_found
    assert await refused(gql, token, clip, user, redis, captionStyleId=foreign) == not_found
    unknown_preset = gid("CaptionStyle", "no-such-preset")
    assert await refused(gql, token, clip, user, redis, captionStyleId=unknown_preset) == [
        ("INVALID_ID", "captionStyleId")
    ]
    other_type = gid("Clip", clip.id)
    assert await refused(gql, token, clip, user, redis, captionStyleId=other_type) == not_found
    assert await refused(gql, token, clip, user, redis, captionStyleId="%%%") == [
        ("INVALID_ID", "captionStyleId")
    ]


@pytest.mark.parametrize("aspect", ["SQUARE_1_1", "LANDSCAPE_16_9"])
async def test_split_needs_a_vertical_frame(
    gql: Any, make_user: Any, redis: Any, aspect: str
) -> None:
    """An error, not a fallback: the client chose both in one request and can fix it now
    (the fallbacks are for what only the render can know: how many faces there are)."""
    user, token = await make_user()
    clip = await make_clip(user)
    errors = await refused(gql, token, clip, user, redis, reframe="SPLIT", aspectRatio=aspect)
    assert errors == [("SPLIT_NEEDS_VERTICAL", "reframe")]
    payload = await export_clip(gql, token, clip, burnSubtitles=False, reframe="SPEAKER")
    assert payload["errors"] == []  # SPEAKER works in any shape
