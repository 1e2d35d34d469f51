"""Webhooks to partners' endpoints: Standard Webhooks signing, secrets sealed at rest, the
payload envelope and the retry schedule. Shared by the api (secrets, validation) and the
worker (delivery, in jobs.webhook_delivery)."""

from core.webhooks.payload import WebhookEvent, event_body, new_message_id
from core.webhooks.schedule import ATTEMPT_TIMEOUT_SECONDS, DEFAULT_SCHEDULE, RetrySchedule
from core.webhooks.secret_box import SecretBox, SecretUnreadable
from core.webhooks.signing import InvalidWebhookSecret, new_secret, signature_headers

__all__ = [
    "ATTEMPT_TIMEOUT_SECONDS",
    "DEFAULT_SCHEDULE",
    "InvalidWebhookSecret",
    "RetrySchedule",
    "SecretBox",
    "SecretUnreadable",
    "WebhookEvent",
    "event_body",
    "new_message_id",
    "new_secret",
    "signature_headers",
]
