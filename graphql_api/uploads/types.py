"""Upload types: the upload, where to PUT its bytes, and its transcript."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

import graphql_api.enums  # noqa: F401  (registers the enums)
from graphql_api.common.relay import Connection, Node, make_connection, to_global_id
from graphql_api.common.urls import SignedUrl, presigned_get
from graphql_api.context import Info
from graphql_api.uploads.options import ClipOptionsType
from orm.models import Upload
from orm.models.enums import UploadStatus
from resolvers import clips as clip_cases
from resolvers import transcripts as transcript_cases
from resolvers.transcripts import SEGMENT_PAGE_MAX

if TYPE_CHECKING:
    from graphql_api.clips.types import ClipType


@strawberry.type
class Header:
    name: str
    value: str


@strawberry.type
class UploadTarget:
    """Where and how the client sends the bytes: a presigned request, valid 24 h."""

    url: str
    method: str
    headers: list[Header]
    expires_at: datetime


@strawberry.type
class UploadPartTarget:
    """Where one part of a multipart upload goes: PUT the bytes, keep the ETag response header."""

    part_number: int
    url: str


@strawberry.type
class MultipartUploadTarget:
    """Parts are `partSizeBytes` long except the last; PUT each to its URL (any order, in
    parallel, again on failure), then call completeMultipartUpload with the ETags."""

    method: str
    part_size_bytes: float
    parts: list[UploadPartTarget]
    expires_at: datetime


@strawberry.type
class TranscriptWord:
    start: float
    end: float
    text: str
    probability: float


@strawberry.type
class TranscriptSegment:
    start: float
    end: float
    text: str
    words: list[TranscriptWord]


@strawberry.type
class Transcript:
    language: str
    text: str
    duration_seconds: float
    _pk: strawberry.Private[uuid.UUID]
    _srt_key: strawberry.Private[str]
    _vtt_key: strawberry.Private[str]
    _json_key: strawberry.Private[str]

    @strawberry.field(graphql_type=str | None)
    def srt_url(self) -> SignedUrl:
        return presigned_get(self._srt_key)

    @strawberry.field(graphql_type=str | None)
    def vtt_url(self) -> SignedUrl:
        return presigned_get(self._vtt_key)

    @strawberry.field(graphql_type=str | None)
    def json_url(self) -> SignedUrl:
        return presigned_get(self._json_key)

    @strawberry.field(
        description="A page of segments with their word timings, in order: `limit` (at most "
        "100) segments after the first `offset`. The whole transcript is at `jsonUrl`."
    )
    async def segments(
        self, info: Info, offset: int | None = 0, limit: int | None = SEGMENT_PAGE_MAX
    ) -> list[TranscriptSegment]:
        rows = await transcript_cases.segments_page(
            self._pk, offset or 0, SEGMENT_PAGE_MAX if limit is None else limit
        )
        return [
            TranscriptSegment(
                start=s.start,
                end=s.end,
                text=s.text,
                words=[
                    TranscriptWord(
                        start=w["start"], end=w["end"], text=w["text"], probability=w.get("p", 1.0)
                    )
                    for w in s.words
                ],
            )
            for s in rows
        ]


@strawberry.type(name="Upload")
class UploadType(Node):
    filename: str
    content_type: str
    size_bytes: float
    status: UploadStatus
    duration_seconds: float | None
    error: str | None
    source_url: str | None = strawberry.field(
        description="The link it was imported from, or null for a direct upload."
    )
    created_at: datetime
    _pk: strawberry.Private[uuid.UUID]
    _model: strawberry.Private[Upload]

    @classmethod
    def from_model(cls, upload: Upload) -> UploadType:
        return cls(
            _model=upload,
            id=to_global_id("Upload", upload.id),
            filename=upload.filename,
            content_type=upload.content_type,
            size_bytes=float(upload.size_bytes),
            status=UploadStatus(upload.status),
            duration_seconds=upload.duration_seconds,
            error=upload.error,
            source_url=upload.source_url,
            created_at=upload.created_at,
            _pk=upload.id,
        )

    @strawberry.field(description="What the creator asked of the clipper, defaults filled in.")
    def options(self) -> ClipOptionsType:
        m = self._model
        return ClipOptionsType.from_stored(m.clip_options, m.duration_seconds)

    @strawberry.field
    async def transcript(self, info: Info) -> Transcript | None:
        rows = await info.context.loaders.transcript_by_upload.load(self._pk)
        if not rows:
            return None
        t = rows[-1]
        return Transcript(
            language=t.language,
            text=t.text,
            duration_seconds=t.duration_seconds,
            _pk=t.id,
            _srt_key=t.srt_key,
            _vtt_key=t.vtt_key,
            _json_key=t.json_key,
        )

    @strawberry.field(description="Clips of this upload, best first.")
    async def clips(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[ClipType, strawberry.lazy("graphql_api.clips.types")]]:
        from graphql_api.clips.types import ClipType

        page = await clip_cases.upload_clips_page(info.context.loaders, self._pk, first, after)
        return make_connection(page, ClipType.from_model)
