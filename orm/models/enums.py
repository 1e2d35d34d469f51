"""Enumerations stored in the database and mirrored in the GraphQL schema.

The pipeline's statuses live with the rest of its vocabulary in core.pipeline; they are
re-exported here because the models and migrations store them.
"""

from enum import Enum

from core.pipeline import ExportStatus, UploadStatus

__all__ = [
    "ApiKeyScope",
    "AspectRatio",
    "CaptionAnimation",
    "CaptionPlatform",
    "CaptionPosition",
    "ClipOrigin",
    "CreditKind",
    "ExportStatus",
    "Reframe",
    "UploadStatus",
]


class CreditKind(str, Enum):
    GRANT = "GRANT"
    PURCHASE = "PURCHASE"
    UPLOAD_CHARGE = "UPLOAD_CHARGE"
    REFUND = "REFUND"


class AspectRatio(str, Enum):
    VERTICAL_9_16 = "VERTICAL_9_16"
    SQUARE_1_1 = "SQUARE_1_1"
    LANDSCAPE_16_9 = "LANDSCAPE_16_9"


class Reframe(str, Enum):
    """How an export fills its frame (jobs.media.reframe): a still centre window, a window
    following the face that speaks, or two speakers stacked (9:16)."""

    CENTER = "CENTER"
    SPEAKER = "SPEAKER"
    SPLIT = "SPLIT"


class CaptionPosition(str, Enum):
    TOP = "TOP"
    MIDDLE = "MIDDLE"
    BOTTOM = "BOTTOM"


class CaptionAnimation(str, Enum):
    NONE = "NONE"
    KARAOKE = "KARAOKE"
    WORD_BY_WORD = "WORD_BY_WORD"
    POP = "POP"


class CaptionPlatform(str, Enum):
    TIKTOK = "TIKTOK"
    INSTAGRAM = "INSTAGRAM"
    YOUTUBE_SHORTS = "YOUTUBE_SHORTS"
    LINKEDIN = "LINKEDIN"
    X = "X"


class ApiKeyScope(str, Enum):
    READ_CLIPS = "READ_CLIPS"
    WRITE_UPLOADS = "WRITE_UPLOADS"
    MANAGE_WEBHOOKS = "MANAGE_WEBHOOKS"


class ClipOrigin(str, Enum):
    AUTO = "AUTO"  # found by the clipper
    MANUAL = "MANUAL"  # made, trimmed or renamed by the user: kept when the upload is reclipped
