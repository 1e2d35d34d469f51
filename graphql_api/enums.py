"""GraphQL enums: the database's and the pipeline's enums exposed as they are, under their
GraphQL names (registered once here, on the enum classes themselves)."""

import strawberry

from core.pipeline import EventStatus, ExportStatus, JobQueue, Stage, UploadStatus
from core.webhooks import WebhookEvent
from orm.models.enums import (
    ApiKeyScope,
    AspectRatio,
    CaptionAnimation,
    CaptionPlatform,
    CaptionPosition,
    ClipOrigin,
    CreditKind,
    Reframe,
)

UploadStatusEnum = strawberry.enum(UploadStatus, name="UploadStatus")
CreditTransactionKindEnum = strawberry.enum(CreditKind, name="CreditTransactionKind")
ExportStatusEnum = strawberry.enum(ExportStatus, name="ExportStatus")
AspectRatioEnum = strawberry.enum(AspectRatio, name="AspectRatio")
CaptionPlatformEnum = strawberry.enum(CaptionPlatform, name="CaptionPlatform")
ApiKeyScopeEnum = strawberry.enum(ApiKeyScope, name="ApiKeyScope")
JobQueueEnum = strawberry.enum(JobQueue, name="JobQueue")
PipelineStageEnum = strawberry.enum(Stage, name="PipelineStage")
PipelineEventStatusEnum = strawberry.enum(EventStatus, name="PipelineEventStatus")
ReframeEnum = strawberry.enum(
    Reframe,
    name="Reframe",
    description="CENTER: a still centre crop (or the blurred fill); SPEAKER: the crop follows "
    "the face that is speaking, smoothly; SPLIT: two speakers stacked (9:16 only).",
)
CaptionPositionEnum = strawberry.enum(CaptionPosition, name="CaptionPosition")
CaptionAnimationEnum = strawberry.enum(
    CaptionAnimation,
    name="CaptionAnimation",
    description="NONE: whole lines; KARAOKE: the spoken word lights up; WORD_BY_WORD: one "
    "word at a time in the highlight colour; POP: each word grows in as it is spoken.",
)
WebhookEventTypeEnum = strawberry.enum(WebhookEvent, name="WebhookEventType")
ClipOriginEnum = strawberry.enum(ClipOrigin, name="ClipOrigin")
