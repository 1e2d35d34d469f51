"""GraphQL enums: the database enums exposed as they are."""

import strawberry

from orm.models.enums import (
    ApiKeyScope,
    AspectRatio,
    CaptionPlatform,
    CreditKind,
    ExportStatus,
    JobQueue,
    UploadStatus,
)

UploadStatusEnum = strawberry.enum(UploadStatus, name="UploadStatus")
CreditTransactionKindEnum = strawberry.enum(CreditKind, name="CreditTransactionKind")
ExportStatusEnum = strawberry.enum(ExportStatus, name="ExportStatus")
AspectRatioEnum = strawberry.enum(AspectRatio, name="AspectRatio")
CaptionPlatformEnum = strawberry.enum(CaptionPlatform, name="CaptionPlatform")
ApiKeyScopeEnum = strawberry.enum(ApiKeyScope, name="ApiKeyScope")
JobQueueEnum = strawberry.enum(JobQueue, name="JobQueue")
