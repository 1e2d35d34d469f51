"""Enumerations stored in the database and mirrored in the GraphQL schema."""

from enum import Enum


class UploadStatus(str, Enum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    QUEUED = "QUEUED"
    TRANSCRIBING = "TRANSCRIBING"
    CLIPPING = "CLIPPING"
    CAPTIONING = "CAPTIONING"
    READY = "READY"
    FAILED = "FAILED"


class CreditKind(str, Enum):
    GRANT = "GRANT"
    PURCHASE = "PURCHASE"
    UPLOAD_CHARGE = "UPLOAD_CHARGE"
    REFUND = "REFUND"


class ExportStatus(str, Enum):
    QUEUED = "QUEUED"
    RENDERING = "RENDERING"
    READY = "READY"
    FAILED = "FAILED"


class AspectRatio(str, Enum):
    VERTICAL_9_16 = "VERTICAL_9_16"
    SQUARE_1_1 = "SQUARE_1_1"
    LANDSCAPE_16_9 = "LANDSCAPE_16_9"


class CaptionPlatform(str, Enum):
    TIKTOK = "TIKTOK"
    INSTAGRAM = "INSTAGRAM"
    YOUTUBE_SHORTS = "YOUTUBE_SHORTS"
    LINKEDIN = "LINKEDIN"
    X = "X"


class ApiKeyScope(str, Enum):
    READ_CLIPS = "READ_CLIPS"
    WRITE_UPLOADS = "WRITE_UPLOADS"


class JobQueue(str, Enum):
    TRANSCRIBE = "TRANSCRIBE"
    CLIP = "CLIP"
    CAPTIONS = "CAPTIONS"
    EXPORT = "EXPORT"
