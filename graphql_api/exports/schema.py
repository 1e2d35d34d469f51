"""Export fields: render a clip to an aspect ratio."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.common.errors import UserError
from graphql_api.common.guard import mutation
from graphql_api.common.relay import decode_uuid
from graphql_api.context import Info
from graphql_api.exports.types import ExportType
from orm.models.enums import AspectRatio
from resolvers import exports as cases
from resolvers.viewer import require


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
        async def run() -> dict[str, Any]:
            viewer = require(info.context.viewer, "WRITE_UPLOADS")
            export = await cases.create_export(
                viewer.user_id,
                decode_uuid(input.clip_id, "Clip", "clipId"),
                input.aspect_ratio,
                input.burn_subtitles,
                input.fill.value,
            )
            return {"export": ExportType.from_model(export)}

        return await mutation(ExportClipPayload, run)
