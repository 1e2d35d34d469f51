"""Partners' webhook endpoints and the outbox of events to deliver to them.

A WebhookDelivery row is written in the same transaction that makes an upload or export
READY or FAILED (orm.lifecycle, orm.outbox): it is both the outbox entry and the record of
its attempts. Its body and webhook-id are fixed when it is written, so every retry sends the
same bytes under the same id. The endpoint's secret is stored sealed (core.webhooks.SecretBox,
AES-256-GCM under a key derived from the server secret): signing needs the secret itself.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from orm.models.accounts import User


class DeliveryState(StrEnum):
    PENDING = "PENDING"  # waiting for its next attempt
    SUCCEEDED = "SUCCEEDED"  # a 2xx answered
    FAILED = "FAILED"  # given up: out of attempts, or its endpoint was disabled


class Webhook(Model):
    user_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="webhooks", on_delete=fields.CASCADE
    )
    url = fields.TextField()
    # core.webhooks.WebhookEvent member names (UPLOAD_READY, ...), as the GraphQL enum spells them.
    events: fields.JSONField[list[str]] = fields.JSONField(default=list)
    secret_sealed = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    # The first failed attempt since the last success; five days of that disables it.
    failing_since = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    disabled_at = fields.DatetimeField(null=True)
    disabled_reason = fields.TextField(null=True)

    class Meta:
        table = "webhooks"
        indexes = (("user_id", "created_at"),)


class WebhookDelivery(Model):
    webhook_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_type = fields.CharField(max_length=32)  # a WebhookEvent member name
    subject_id = fields.UUIDField()  # the upload or export the event is about
    message_id = fields.CharField(max_length=64, unique=True)  # webhook-id, kept across retries
    body = fields.TextField()  # the JSON sent on every attempt (UTF-8)
    state = fields.CharEnumField(DeliveryState, default=DeliveryState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    status_code = fields.IntField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)  # due time while PENDING
    last_error = fields.TextField(null=True)
    response_excerpt = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_deliveries"
        indexes = (("webhook_id", "created_at"), ("state", "next_attempt_at"))
