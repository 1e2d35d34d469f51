"""Clip fields: one clip, the partner feed, regenerating captions."""

from __future__ import annotations

import strawberry

from graphql_api.clips.types import ClipType
from graphql_api.common.errors import NotFoundAsNull, UserError
from graphql_api.common.relay import Connection, make_connection
from graphql_api.context import Info
from resolvers import captions as caption_cases
from resolvers import clips as cases


@strawberry.type
class RegenerateCaptionsPayload:
    clip: ClipType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @strawberry.field(extensions=[NotFoundAsNull()])
    async def clip(self, info: Info, id: strawberry.ID) -> ClipType | None:
        return ClipType.from_model(await cases.get_clip(info.context.viewer, id))

    @strawberry.field(description="Clips of all READY uploads, newest first.")
    async def clips(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        min_score: float | None = None,
    ) -> Connection[ClipType]:
        page = await cases.clips_page(info.context.viewer, first, after, min_score)
        return make_connection(page, ClipType.from_model)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Rewrites the clip's captions in the background; the new ones arrive "
        "with the CAPTIONS COMPLETED event carrying this clip's id."
    )
    async def regenerate_captions(
        self, info: Info, clip_id: strawberry.ID
    ) -> RegenerateCaptionsPayload:
        clip = await caption_cases.regenerate_captions(info.context.viewer, clip_id)
        return RegenerateCaptionsPayload(clip=ClipType.from_model(clip))
