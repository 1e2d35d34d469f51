"""Moment search across the signed-in user's READY uploads."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_api.context import Info
from resolvers import moments as cases

if TYPE_CHECKING:
    from graphql_api.uploads.types import UploadType


@strawberry.type(
    name="Moment",
    description="A span where what is said matches the search; createClip can make it a clip.",
)
class MomentType:
    start_seconds: float
    end_seconds: float
    text: str
    score: float = strawberry.field(description="0..100, higher matches better.")
    _upload_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def upload(
        self, info: Info
    ) -> Annotated[UploadType, strawberry.lazy("graphql_api.uploads.types")]:
        from graphql_api.uploads.types import UploadType

        upload = await info.context.loaders.upload.load(self._upload_id)
        assert upload is not None  # found through the viewer's own uploads
        return UploadType.from_model(upload)


@strawberry.type
class Query:
    @strawberry.field(
        description="Moments of your READY uploads where what is said matches the query "
        '(words, "a phrase", or -a word to leave out), best first.'
    )
    async def search_moments(
        self, info: Info, query: str, first: int | None = 10
    ) -> list[MomentType]:
        found = await cases.search_moments(info.context.viewer, query, first)
        return [
            MomentType(
                start_seconds=m.start,
                end_seconds=m.end,
                text=m.text,
                score=m.score,
                _upload_id=m.upload_id,
            )
            for m in found
        ]
