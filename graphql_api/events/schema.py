"""Live progress: the pipelineEvents subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum

import strawberry

from graphql_api.context import Info


@strawberry.enum
class PipelineStage(Enum):
    TRANSCRIBE = "TRANSCRIBE"
    CLIP = "CLIP"
    CAPTIONS = "CAPTIONS"
    EXPORT = "EXPORT"


@strawberry.enum
class PipelineEventStatus(Enum):
    STARTED = "STARTED"
    PROGRESS = "PROGRESS"
    COMPLETED = "COMPLETED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"


@strawberry.type
class PipelineEvent:
    upload_id: strawberry.ID | None
    stage: PipelineStage
    status: PipelineEventStatus
    progress: float = strawberry.field(description="0..1 within the stage.")
    message: str | None
    clip_id: strawberry.ID | None
    export_id: strawberry.ID | None
    at: datetime


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The signed-in user's pipeline events (all uploads, or one)."
    )
    async def pipeline_events(
        self, info: Info, upload_id: strawberry.ID | None = None
    ) -> AsyncGenerator[PipelineEvent, None]:
        raise NotImplementedError("pipelineEvents is not available yet")
        yield  # pragma: no cover
