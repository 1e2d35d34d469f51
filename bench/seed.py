"""Benchmark data written straight through the ORM (fast, no API calls).

- "list" user: 20 uploads with 3 clips each (the contract's Uploads query);
- "detail" user: one upload with 50 clips x 5 captions and one with 10 clips x 5 captions,
  both with the same transcript (120 segments x 13 words, about a 10-minute talk), so the
  SQL count can be compared at 10 and 50 clips with everything else equal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orm.models import Caption, Clip, Transcript, TranscriptSegment, Upload, User
from orm.models.enums import CaptionPlatform, UploadStatus

SEGMENTS = 120
WORDS_PER_SEGMENT = 13
WORD = "clipforge"


def access_token(user: User) -> str:
    """A real access token, issued the way the api issues them."""
    from resolvers.auth.tokens import issue_access_token

    issued: Any = issue_access_token(user)
    return str(issued[0] if isinstance(issued, tuple) else issued)


async def make_user(label: str, minutes: int = 600) -> tuple[User, str]:
    user = await User.create(
        email=f"bench-{label}-{uuid.uuid4().hex[:8]}@example.com", minutes_balance=minutes
    )
    return user, access_token(user)


async def make_upload(user: User, n: int, status: UploadStatus = UploadStatus.READY) -> Upload:
    return await Upload.create(
        user=user,
        filename=f"talk-{n:02d}.mp4",
        content_type="video/mp4",
        size_bytes=50_000_000 + n,
        storage_key=f"uploads/{user.id}/{uuid.uuid4().hex}/original.mp4",
        status=status,
        duration_seconds=600.0,
        clip_options={"language": "en"},
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )


async def add_clips(upload: Upload, count: int, captions: bool) -> list[Clip]:
    base = f"clips/{upload.id}"
    clips = [
        Clip(
            upload_id=upload.id,
            rank=rank,
            start_seconds=rank * 10.0,
            end_seconds=rank * 10.0 + 30.0,
            duration_seconds=30.0,
            score=round(99.0 - rank * 0.5, 2),
            title=f"Moment number {rank}: why clips travel",
            reason="A complete thought with a strong opening line and a clear payoff.",
            video_key=f"{base}/{rank}/clip.mp4",
            thumbnail_key=f"{base}/{rank}/thumb.jpg",
            srt_key=f"{base}/{rank}/subs.srt",
            vtt_key=f"{base}/{rank}/subs.vtt",
            ass_key=f"{base}/{rank}/subs.ass",
        )
        for rank in range(1, count + 1)
    ]
    await Clip.bulk_create(clips)
    saved = await Clip.filter(upload_id=upload.id).order_by("rank")
    if captions:
        await Caption.bulk_create(
            [
                Caption(
                    clip_id=clip.id,
                    platform=platform,
                    text=f"{clip.title} - watch to the end.",
                    hashtags=["#clipforge", "#podcast", "#shorts"],
                )
                for clip in saved
                for platform in CaptionPlatform
            ]
        )
    return saved


async def add_transcript(upload: Upload) -> Transcript:
    words_text = " ".join([WORD] * WORDS_PER_SEGMENT)
    transcript = await Transcript.create(
        upload=upload,
        language="en",
        text=" ".join([words_text] * SEGMENTS),
        duration_seconds=600.0,
        json_key=f"transcripts/{upload.id}/transcript.json",
        srt_key=f"transcripts/{upload.id}/transcript.srt",
        vtt_key=f"transcripts/{upload.id}/transcript.vtt",
    )
    segments = []
    for i in range(SEGMENTS):
        start = i * 5.0
        words = [
            {"start": start + w * 0.35, "end": start + w * 0.35 + 0.3, "text": WORD, "p": 0.97}
            for w in range(WORDS_PER_SEGMENT)
        ]
        segments.append(
            TranscriptSegment(
                transcript_id=transcript.id,
                index=i,
                start=start,
                end=start + 4.8,
                text=words_text,
                words=words,
            )
        )
    await TranscriptSegment.bulk_create(segments)
    return transcript


@dataclass
class ApiData:
    list_user: User
    list_token: str
    detail_user: User
    detail_token: str
    detail_upload: Upload  # 50 clips
    small_upload: Upload  # 10 clips


async def seed_api() -> ApiData:
    list_user, list_token = await make_user("list")
    for n in range(20):
        upload = await make_upload(list_user, n)
        await add_clips(upload, 3, captions=False)
    detail_user, detail_token = await make_user("detail")
    detail = await make_upload(detail_user, 50)
    await add_clips(detail, 50, captions=True)
    await add_transcript(detail)
    small = await make_upload(detail_user, 10)
    await add_clips(small, 10, captions=True)
    await add_transcript(small)
    return ApiData(list_user, list_token, detail_user, detail_token, detail, small)


async def seed_event_users(count: int) -> list[tuple[User, str, Upload]]:
    """Users for the live-event benchmark, each with one upload their events refer to."""
    out = []
    for i in range(count):
        user, token = await make_user(f"ws{i}")
        upload = await make_upload(user, i, UploadStatus.TRANSCRIBING)
        out.append((user, token, upload))
    return out
