"""Clip fields: one clip, the partner feed, regenerating captions."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.clips.types import ClipType
from graphql_api.common.errors import UserError
from graphql_api.common.guard import mutation, query, query_or_null
from graphql_api.common.relay import Connection, decode_uuid, make_connection
from graphql_api.context import Info
from resolvers import captions as caption_cases
from resolvers import clips as cases
from resolvers.viewer import require


@strawberry.type
class RegenerateCaptionsPayload:
    clip: ClipType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _clip(info: Info, id: strawberry.ID) -> ClipType:
    viewer = require(info.context.viewer, "READ_CLIPS")
    return ClipType.from_model(await cases.owned_clip(viewer.user_id, decode_uuid(id, "Clip")))


async def _clips(
    info: Info, first: int | None, after: str | None, min_score: float | None
) -> Connection[ClipType]:
    viewer = require(info.context.viewer, "READ_CLIPS")
    page = await cases.clips_page(viewer.user_id, first, after, min_score)
    return make_connection(page, ClipType.from_model)


@strawberry.type
class Query:
    @strawberry.field
    async def clip(self, info: Info, id: strawberry.ID) -> ClipType | None:
        return await query_or_null(_clip(info, id))

    @strawberry.field(description="Clips of all READY uploads, newest first.")
    async def clips(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        min_score: float | None = None,
    ) -> Connection[ClipType]:
        return await query(_clips(info, first, after, min_score))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Rewrites the clip's captions in the background; the new ones arrive "
        "with the CAPTIONS COMPLETED event carrying this clip's id."
    )
    async def regenerate_captions(
        self, info: Info, clip_id: strawberry.ID
    ) -> RegenerateCaptionsPayload:
        async def run() -> dict[str, Any]:
            viewer = require(info.context.viewer, "WRITE_UPLOADS")
            clip = await caption_cases.regenerate_captions(
                viewer.user_id, decode_uuid(clip_id, "Clip", "clipId")
            )
            return {"clip": ClipType.from_model(clip)}

        return await mutation(RegenerateCaptionsPayload, run)
