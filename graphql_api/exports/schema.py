"""Export fields: render a clip to an aspect ratio."""

from __future__ import annotations

from enum import Enum

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.common.errors import UserError
from graphql_api.context import Info
from graphql_api.exports.types import ExportType
from orm.models.enums import AspectRatio
from resolvers import exports as cases


@strawberry.enum(description="How the frame is filled when the clip's shape differs.")
class ExportFill(Enum):
    CROP = "crop"
    BLUR = "blur"


@strawberry.input
class ExportClipInput:
    clip_id: strawberry.ID
    aspect_ratio: AspectRatio
    burn_subtitles: bool
    fill: ExportFill = strawberry.field(
        default=ExportFill.CROP,
        description="CROP: centre crop to fill the frame; BLUR: the whole picture over a "
        "blurred copy of itself.",
    )


@strawberry.type
class ExportClipPayload:
    export: ExportType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def export_clip(self, info: Info, input: ExportClipInput) -> ExportClipPayload:
        export = await cases.create_export(
            info.context.viewer,
            input.clip_id,
            input.aspect_ratio,
            input.burn_subtitles,
            input.fill.value,
        )
        return ExportClipPayload(export=ExportType.from_model(export))
