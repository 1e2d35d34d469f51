"""Tortoise models, one module per domain. Tortoise loads them from here."""

from orm.models.accounts import ApiKey, OAuthIdentity, RefreshToken, User
from orm.models.caption_styles import CaptionStyle
from orm.models.clips import Caption, Clip
from orm.models.credits import CreditTransaction, StripeEvent
from orm.models.exports import Export
from orm.models.ops import DeadLetter
from orm.models.transcripts import Transcript, TranscriptChunk, TranscriptSegment
from orm.models.uploads import Upload
from orm.models.webhooks import DeliveryState, Webhook, WebhookDelivery

__all__ = [
    "ApiKey",
    "Caption",
    "CaptionStyle",
    "Clip",
    "CreditTransaction",
    "DeliveryState",
    "DeadLetter",
    "Export",
    "OAuthIdentity",
    "RefreshToken",
    "StripeEvent",
    "Transcript",
    "TranscriptChunk",
    "TranscriptSegment",
    "Upload",
    "User",
    "Webhook",
    "WebhookDelivery",
]
