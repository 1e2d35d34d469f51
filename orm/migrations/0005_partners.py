"""Partners: webhook endpoints and their deliveries (the outbox), imported uploads (their
link, IMPORTING, a size known only once fetched) and a code beside an upload's error."""

import functools
from json import dumps, loads
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from orm.models.enums import UploadStatus
from orm.models.webhooks import DeliveryState

SIZE_CHECK = "ALTER TABLE uploads ADD CONSTRAINT uploads_size_positive CHECK ({})"
DROP_SIZE_CHECK = "ALTER TABLE uploads DROP CONSTRAINT uploads_size_positive"


class Migration(migrations.Migration):
    dependencies = [("models", "0004_transcript_chunks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Webhook",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhooks",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("url", fields.TextField(unique=False)),
                (
                    "events",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("secret_sealed", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "failing_since",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "last_success_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "disabled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("disabled_reason", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "webhooks",
                "app": "models",
                "indexes": [Index(fields=["user_id", "created_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "webhook",
                    fields.ForeignKeyField(
                        "models.Webhook",
                        source_field="webhook_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event_type", fields.CharField(max_length=32)),
                ("subject_id", fields.UUIDField()),
                ("message_id", fields.CharField(unique=True, max_length=64)),
                ("body", fields.TextField(unique=False)),
                (
                    "state",
                    fields.CharEnumField(
                        default=DeliveryState.PENDING,
                        description="PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED",
                        enum_type=DeliveryState,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("status_code", fields.IntField(null=True)),
                (
                    "last_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "next_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_error", fields.TextField(null=True, unique=False)),
                ("response_excerpt", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "webhook_deliveries",
                "app": "models",
                "indexes": [
                    Index(fields=["webhook_id", "created_at"]),
                    Index(fields=["state", "next_attempt_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Upload",
            name="status",
            field=fields.CharEnumField(
                default=UploadStatus.AWAITING_UPLOAD,
                description="AWAITING_UPLOAD: AWAITING_UPLOAD\nIMPORTING: IMPORTING\nQUEUED: QUEUED\nTRANSCRIBING: TRANSCRIBING\nCLIPPING: CLIPPING\nCAPTIONING: CAPTIONING\nREADY: READY\nFAILED: FAILED",
                enum_type=UploadStatus,
                max_length=20,
            ),
        ),
        ops.AddField(
            model_name="Upload",
            name="error_code",
            field=fields.CharField(null=True, max_length=40),
        ),
        ops.AddField(
            model_name="Upload",
            name="source_url",
            field=fields.TextField(null=True, unique=False),
        ),
        # An import's size is known once it is fetched (0 until then, or for ever if refused).
        ops.RunSQL(
            [DROP_SIZE_CHECK, SIZE_CHECK.format("size_bytes > 0 OR source_url IS NOT NULL")],
            reverse_sql=[DROP_SIZE_CHECK, SIZE_CHECK.format("size_bytes > 0")],
        ),
    ]
