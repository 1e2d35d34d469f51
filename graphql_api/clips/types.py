"""Clip types: a clip, its subtitles and its per-platform captions."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

import graphql_api.enums  # noqa: F401  (registers the enums)
from graphql_api.common.relay import Node, to_global_id
from graphql_api.common.urls import SignedUrl, presigned_get
from graphql_api.context import Info
from orm.models import Caption, Clip
from orm.models.enums import CaptionPlatform, ClipOrigin
from resolvers.dataloaders import CaptionRow

if TYPE_CHECKING:
    from graphql_api.uploads.types import UploadType


@strawberry.type(name="Caption")
class CaptionType(Node):
    platform: CaptionPlatform
    text: str
    hashtags: list[str]

    @classmethod
    def from_model(cls, caption: Caption | CaptionRow) -> CaptionType:
        return cls(
            id=to_global_id("Caption", caption.id),
            platform=CaptionPlatform(caption.platform),
            text=caption.text,
            hashtags=list(caption.hashtags),
        )


@strawberry.type
class Subtitles:
    _srt: strawberry.Private[str]
    _vtt: strawberry.Private[str]
    _ass: strawberry.Private[str]

    @strawberry.field(graphql_type=str | None)
    def srt_url(self) -> SignedUrl:
        return presigned_get(self._srt)

    @strawberry.field(graphql_type=str | None)
    def vtt_url(self) -> SignedUrl:
        return presigned_get(self._vtt)

    @strawberry.field(description="ASS with word-by-word highlight.", graphql_type=str | None)
    def ass_url(self) -> SignedUrl:
        return presigned_get(self._ass)


@strawberry.type(name="ScorePart", description="One component behind a clip's score.")
class ScorePartType:
    name: str = strawberry.field(
        description="hook, start, ending, rate, filler, energy, bursts (the local scorer), "
        "hook, flow, value (the LLM), and relevance when there is a prompt."
    )
    score: float = strawberry.field(description="0..100")


@strawberry.type(name="Clip")
class ClipType(Node):
    title: str
    start_seconds: float
    end_seconds: float
    duration_seconds: float
    score: float = strawberry.field(description="0..100, higher is more likely to engage.")
    reason: str = strawberry.field(description="Why it was picked.")
    origin: ClipOrigin = strawberry.field(
        description="AUTO (found by the clipper) or MANUAL (made, trimmed or renamed by the "
        "user; a reclip keeps it)."
    )
    _model: strawberry.Private[Clip]

    @classmethod
    def from_model(cls, clip: Clip) -> ClipType:
        return cls(
            id=to_global_id("Clip", clip.id),
            title=clip.title,
            start_seconds=clip.start_seconds,
            end_seconds=clip.end_seconds,
            duration_seconds=clip.duration_seconds,
            score=clip.score,
            reason=clip.reason,
            origin=ClipOrigin(clip.origin),
            _model=clip,
        )

    @strawberry.field(description="The components behind `score`, each 0..100.")
    def score_breakdown(self) -> list[ScorePartType]:
        return [
            ScorePartType(name=str(p["name"]), score=float(p["score"]))
            for p in self._model.score_breakdown or []
        ]

    @property
    def pk(self) -> uuid.UUID:
        return self._model.id

    @strawberry.field(description="Presigned GET, valid 24 h.", graphql_type=str | None)
    def video_url(self) -> SignedUrl:
        return presigned_get(self._model.video_key)

    @strawberry.field(graphql_type=str | None)
    def thumbnail_url(self) -> SignedUrl:
        return presigned_get(self._model.thumbnail_key)

    @strawberry.field
    def subtitles(self) -> Subtitles:
        m = self._model
        return Subtitles(_srt=m.srt_key, _vtt=m.vtt_key, _ass=m.ass_key)

    @strawberry.field
    async def captions(self, info: Info) -> list[CaptionType]:
        rows = await info.context.loaders.captions_by_clip.load(self._model.id)
        return [CaptionType.from_model(c) for c in rows]

    @strawberry.field
    async def upload(
        self, info: Info
    ) -> Annotated[UploadType, strawberry.lazy("graphql_api.uploads.types")]:
        from graphql_api.uploads.types import UploadType

        upload = await info.context.loaders.upload.load(self._model.upload_id)
        assert upload is not None  # the FK guarantees it
        return UploadType.from_model(upload)
