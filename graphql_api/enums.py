"""GraphQL enums: the database's and the pipeline's enums exposed as they are, under their
GraphQL names (registered once here, on the enum classes themselves)."""

import strawberry

from core.pipeline import EventStatus, ExportStatus, JobQueue, Stage, UploadStatus
from core.webhooks import WebhookEvent
from orm.models.enums import ApiKeyScope, AspectRatio, CaptionPlatform, ClipOrigin, CreditKind

UploadStatusEnum = strawberry.enum(UploadStatus, name="UploadStatus")
CreditTransactionKindEnum = strawberry.enum(CreditKind, name="CreditTransactionKind")
ExportStatusEnum = strawberry.enum(ExportStatus, name="ExportStatus")
AspectRatioEnum = strawberry.enum(AspectRatio, name="AspectRatio")
CaptionPlatformEnum = strawberry.enum(CaptionPlatform, name="CaptionPlatform")
ApiKeyScopeEnum = strawberry.enum(ApiKeyScope, name="ApiKeyScope")
JobQueueEnum = strawberry.enum(JobQueue, name="JobQueue")
PipelineStageEnum = strawberry.enum(Stage, name="PipelineStage")
PipelineEventStatusEnum = strawberry.enum(EventStatus, name="PipelineEventStatus")
WebhookEventTypeEnum = strawberry.enum(WebhookEvent, name="WebhookEventType")
ClipOriginEnum = strawberry.enum(ClipOrigin, name="ClipOrigin")
