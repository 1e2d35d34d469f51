"""Clip fields: one clip, the partner feed, regenerating captions; making, trimming and
deleting clips."""

from __future__ import annotations

import strawberry

from graphql_api.clips.types import ClipType
from graphql_api.common.errors import NotFoundAsNull, UserError
from graphql_api.common.relay import Connection, make_connection
from graphql_api.context import Info
from resolvers import captions as caption_cases
from resolvers import clip_edits as edits
from resolvers import clips as cases


@strawberry.type
class RegenerateCaptionsPayload:
    clip: ClipType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateClipInput:
    upload_id: strawberry.ID
    start_seconds: float
    end_seconds: float
    title: str | None = strawberry.field(
        default=None, description="Default: the clip's strongest sentence."
    )


@strawberry.input
class UpdateClipInput:
    id: strawberry.ID
    start_seconds: float | None = None
    end_seconds: float | None = None
    title: str | None = None


@strawberry.type
class ClipPayload:
    clip: ClipType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteClipPayload:
    deleted_id: strawberry.ID | None = None
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

    @strawberry.mutation(
        description="A clip from your own span of a READY upload, snapped to the words spoken "
        "in it (at most 3 x CLIPFORGE_CLIP_MAX_SECONDS long). It is cut, subtitled, scored and "
        "captioned in the background; its files arrive with a CLIP COMPLETED event carrying "
        "its id."
    )
    async def create_clip(self, info: Info, input: CreateClipInput) -> ClipPayload:
        clip = await edits.create_clip(
            info.context.viewer,
            input.upload_id,
            input.start_seconds,
            input.end_seconds,
            input.title,
        )
        return ClipPayload(clip=ClipType.from_model(clip))

    @strawberry.mutation(
        description="New edges re-cut the clip in the background (snapped to words; a CLIP "
        "COMPLETED event carries its id); a new title renames it at once. Its origin becomes "
        "MANUAL."
    )
    async def update_clip(self, info: Info, input: UpdateClipInput) -> ClipPayload:
        clip = await edits.update_clip(
            info.context.viewer, input.id, input.start_seconds, input.end_seconds, input.title
        )
        return ClipPayload(clip=ClipType.from_model(clip))

    @strawberry.mutation(description="Deletes the clip, its captions, exports and every file.")
    async def delete_clip(self, info: Info, id: strawberry.ID) -> DeleteClipPayload:
        await edits.delete_clip(info.context.viewer, id)
        return DeleteClipPayload(deleted_id=id)
