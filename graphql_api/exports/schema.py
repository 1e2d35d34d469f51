"""Export fields: render a clip to an aspect ratio."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.common.errors import UserError, not_implemented
from graphql_api.context import Info
from graphql_api.exports.types import ExportType
from orm.models.enums import AspectRatio


@strawberry.input
class ExportClipInput:
    clip_id: strawberry.ID
    aspect_ratio: AspectRatio
    burn_subtitles: bool


@strawberry.type
class ExportClipPayload:
    export: ExportType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def export_clip(self, info: Info, input: ExportClipInput) -> ExportClipPayload:
        return ExportClipPayload(errors=not_implemented("exportClip"))
