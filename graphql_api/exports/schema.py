"""Export fields: render a clip for posting (aspect, reframing, captions, cleanups, title)."""

from __future__ import annotations

from enum import Enum

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.common.errors import UserError
from graphql_api.context import Info
from graphql_api.exports.types import ExportType
from orm.models.enums import AspectRatio, Reframe
from resolvers import exports as cases


@strawberry.enum(description="How a centred frame is filled when the clip's shape differs.")
class ExportFill(Enum):
    CROP = "crop"
    BLUR = "blur"


@strawberry.input(description="Unset or null options take their defaults.")
class ExportClipInput:
    clip_id: strawberry.ID
    aspect_ratio: AspectRatio
    burn_subtitles: bool
    reframe: Reframe | None = Reframe.CENTER
    caption_style_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The look of burned subtitles (a preset or your own style from "
        "captionStyles); unset: the default preset.",
    )
    remove_fillers: bool | None = strawberry.field(
        default=False, description='Cut "um", "uh" and the like; subtitles follow the cuts.'
    )
    remove_silences: bool | None = strawberry.field(
        default=False, description="Shorten pauses longer than 0.5 s to about 0.2 s."
    )
    title_overlay: bool | None = strawberry.field(
        default=False, description="The clip's title in a box over its first seconds."
    )
    fill: ExportFill = strawberry.field(
        default=ExportFill.CROP,
        description="When the frame is centred (CENTER, or a fallback to it): CROP fills it "
        "with a centre crop; BLUR shows the whole picture over a blurred copy of itself.",
    )


@strawberry.type
class ExportClipPayload:
    export: ExportType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def export_clip(self, info: Info, input: ExportClipInput) -> ExportClipPayload:
        request = cases.ExportRequest(
            clip_id=input.clip_id,
            aspect_ratio=input.aspect_ratio,
            burn_subtitles=input.burn_subtitles,
            fill=input.fill.value,
            reframe=input.reframe or Reframe.CENTER,
            caption_style_id=input.caption_style_id,
            remove_fillers=bool(input.remove_fillers),
            remove_silences=bool(input.remove_silences),
            title_overlay=bool(input.title_overlay),
        )
        export = await cases.create_export(info.context.viewer, request)
        return ExportClipPayload(export=ExportType.from_model(export))
