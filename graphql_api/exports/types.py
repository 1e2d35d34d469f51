"""Export types: a clip rendered for posting."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401  (registers the enums)
from graphql_api.clips.types import ClipType
from graphql_api.common.relay import Node, to_global_id
from graphql_api.common.urls import SignedUrl, presigned_get
from graphql_api.context import Info
from orm.models import Export
from orm.models.enums import AspectRatio, ExportStatus, Reframe


@strawberry.type(name="Export")
class ExportType(Node):
    status: ExportStatus
    aspect_ratio: AspectRatio
    burn_subtitles: bool
    reframe: Reframe = strawberry.field(
        description="The reframing asked for; once rendered, the one used (SPEAKER falls back "
        "to CENTER when no face is found, SPLIT to SPEAKER with fewer than two: see message)."
    )
    remove_fillers: bool
    remove_silences: bool
    title_overlay: bool
    duration_seconds: float | None = strawberry.field(
        description="Length of the rendered file (shorter than the clip after cleanups)."
    )
    message: str | None = strawberry.field(
        description="What the rendered export does differently from the request, and why."
    )
    error: str | None
    _model: strawberry.Private[Export]

    @classmethod
    def from_model(cls, export: Export) -> ExportType:
        return cls(
            id=to_global_id("Export", export.id),
            status=ExportStatus(export.status),
            aspect_ratio=AspectRatio(export.aspect_ratio),
            burn_subtitles=export.burn_subtitles,
            reframe=Reframe(export.reframe_used or export.reframe),
            remove_fillers=export.remove_fillers,
            remove_silences=export.remove_silences,
            title_overlay=export.title_overlay,
            duration_seconds=export.duration_seconds,
            message=export.message,
            error=export.error,
            _model=export,
        )

    @strawberry.field(
        description="Presigned GET of the rendered file once READY.", graphql_type=str | None
    )
    def url(self) -> SignedUrl:
        if self._model.status != ExportStatus.READY:
            return None
        return presigned_get(self._model.key)

    @strawberry.field
    async def clip(self, info: Info) -> ClipType:
        clip = await info.context.loaders.clip.load(self._model.clip_id)
        assert clip is not None
        return ClipType.from_model(clip)
