"""Export types: a clip rendered to an aspect ratio."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401  (registers the enums)
from graphql_api.clips.types import ClipType
from graphql_api.common.relay import Node, to_global_id
from graphql_api.common.urls import presigned_get
from graphql_api.context import Info
from orm.models import Export
from orm.models.enums import AspectRatio, ExportStatus


@strawberry.type(name="Export")
class ExportType(Node):
    status: ExportStatus
    aspect_ratio: AspectRatio
    burn_subtitles: bool
    error: str | None
    _model: strawberry.Private[Export]

    @classmethod
    def from_model(cls, export: Export) -> ExportType:
        return cls(
            id=to_global_id("Export", export.id),
            status=ExportStatus(export.status),
            aspect_ratio=AspectRatio(export.aspect_ratio),
            burn_subtitles=export.burn_subtitles,
            error=export.error,
            _model=export,
        )

    @strawberry.field(description="Presigned GET of the rendered file once READY.")
    async def url(self) -> str | None:
        if self._model.status != ExportStatus.READY:
            return None
        return await presigned_get(self._model.key)

    @strawberry.field
    async def clip(self, info: Info) -> ClipType:
        clip = await info.context.loaders.clip.load(self._model.clip_id)
        assert clip is not None
        return ClipType.from_model(clip)
