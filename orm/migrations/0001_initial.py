import functools
from json import dumps, loads
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from orm.models.enums import AspectRatio, CaptionPlatform, CreditKind, ExportStatus, UploadStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="StripeEvent",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=255),
                ),
                ("type", fields.CharField(max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "stripe_events", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("email", fields.CharField(unique=True, max_length=320)),
                ("password_hash", fields.CharField(null=True, max_length=255)),
                ("is_admin", fields.BooleanField(default=False)),
                ("minutes_balance", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "users", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiKey",
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
                        related_name="api_keys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("prefix", fields.CharField(db_index=True, max_length=16)),
                ("secret_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "scopes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "api_keys", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OAuthIdentity",
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
                        related_name="identities",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("provider", fields.CharField(max_length=32)),
                ("subject", fields.CharField(max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "oauth_identities",
                "app": "models",
                "unique_together": (("provider", "subject"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RefreshToken",
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
                        related_name="refresh_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("family", fields.UUIDField(db_index=True)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "refresh_tokens", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Upload",
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
                        related_name="uploads",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("filename", fields.CharField(max_length=255)),
                ("content_type", fields.CharField(max_length=100)),
                ("size_bytes", fields.BigIntField()),
                ("storage_key", fields.CharField(max_length=512)),
                (
                    "status",
                    fields.CharEnumField(
                        default=UploadStatus.AWAITING_UPLOAD,
                        description="AWAITING_UPLOAD: AWAITING_UPLOAD\nQUEUED: QUEUED\nTRANSCRIBING: TRANSCRIBING\nCLIPPING: CLIPPING\nCAPTIONING: CAPTIONING\nREADY: READY\nFAILED: FAILED",
                        enum_type=UploadStatus,
                        max_length=20,
                    ),
                ),
                ("duration_seconds", fields.FloatField(null=True)),
                ("error", fields.TextField(null=True, unique=False)),
                ("language", fields.CharField(null=True, max_length=8)),
                ("multipart_upload_id", fields.CharField(null=True, max_length=255)),
                ("clip_min_seconds", fields.FloatField(null=True)),
                ("clip_max_seconds", fields.FloatField(null=True)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("upload_expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "uploads",
                "app": "models",
                "indexes": [Index(fields=["user_id", "created_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Clip",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "upload",
                    fields.ForeignKeyField(
                        "models.Upload",
                        source_field="upload_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clips",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("rank", fields.IntField()),
                ("start_seconds", fields.FloatField()),
                ("end_seconds", fields.FloatField()),
                ("duration_seconds", fields.FloatField()),
                ("score", fields.FloatField()),
                ("title", fields.CharField(max_length=200)),
                ("reason", fields.TextField(unique=False)),
                ("video_key", fields.CharField(max_length=512)),
                ("thumbnail_key", fields.CharField(max_length=512)),
                ("srt_key", fields.CharField(max_length=512)),
                ("vtt_key", fields.CharField(max_length=512)),
                ("ass_key", fields.CharField(max_length=512)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
            ],
            options={
                "table": "clips",
                "app": "models",
                "unique_together": (("upload_id", "rank"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Caption",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "clip",
                    fields.ForeignKeyField(
                        "models.Clip",
                        source_field="clip_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="captions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "platform",
                    fields.CharEnumField(
                        description="TIKTOK: TIKTOK\nINSTAGRAM: INSTAGRAM\nYOUTUBE_SHORTS: YOUTUBE_SHORTS\nLINKEDIN: LINKEDIN\nX: X",
                        enum_type=CaptionPlatform,
                        max_length=20,
                    ),
                ),
                ("text", fields.TextField(unique=False)),
                (
                    "hashtags",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "captions",
                "app": "models",
                "unique_together": (("clip_id", "platform"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CreditTransaction",
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
                        related_name="transactions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="GRANT: GRANT\nPURCHASE: PURCHASE\nUPLOAD_CHARGE: UPLOAD_CHARGE\nREFUND: REFUND",
                        enum_type=CreditKind,
                        max_length=20,
                    ),
                ),
                ("minutes", fields.IntField()),
                ("balance_after", fields.IntField()),
                ("reference", fields.CharField(unique=True, max_length=255)),
                (
                    "upload",
                    fields.ForeignKeyField(
                        "models.Upload",
                        source_field="upload_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="transactions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "refund_of",
                    fields.OneToOneField(
                        "models.CreditTransaction",
                        source_field="refund_of_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="refund",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
            ],
            options={
                "table": "credit_transactions",
                "app": "models",
                "indexes": [Index(fields=["user_id", "created_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DeadLetter",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("queue", fields.CharField(db_index=True, max_length=32)),
                ("job_name", fields.CharField(max_length=64)),
                ("job_id", fields.CharField(null=True, max_length=128)),
                (
                    "upload",
                    fields.ForeignKeyField(
                        "models.Upload",
                        source_field="upload_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="dead_letters",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "job_args",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("attempts", fields.IntField()),
                ("error", fields.TextField(unique=False)),
                (
                    "failed_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
            ],
            options={"table": "dead_letters", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Export",
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
                        related_name="exports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "clip",
                    fields.ForeignKeyField(
                        "models.Clip",
                        source_field="clip_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="exports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "aspect_ratio",
                    fields.CharEnumField(
                        description="VERTICAL_9_16: VERTICAL_9_16\nSQUARE_1_1: SQUARE_1_1\nLANDSCAPE_16_9: LANDSCAPE_16_9",
                        enum_type=AspectRatio,
                        max_length=20,
                    ),
                ),
                ("burn_subtitles", fields.BooleanField(default=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ExportStatus.QUEUED,
                        description="QUEUED: QUEUED\nRENDERING: RENDERING\nREADY: READY\nFAILED: FAILED",
                        enum_type=ExportStatus,
                        max_length=20,
                    ),
                ),
                ("key", fields.CharField(null=True, max_length=512)),
                ("error", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "exports", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Transcript",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "upload",
                    fields.OneToOneField(
                        "models.Upload",
                        source_field="upload_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="transcript",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("language", fields.CharField(max_length=8)),
                ("text", fields.TextField(unique=False)),
                ("duration_seconds", fields.FloatField()),
                ("json_key", fields.CharField(max_length=512)),
                ("srt_key", fields.CharField(max_length=512)),
                ("vtt_key", fields.CharField(max_length=512)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "transcripts", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TranscriptSegment",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "transcript",
                    fields.ForeignKeyField(
                        "models.Transcript",
                        source_field="transcript_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="segments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("index", fields.IntField()),
                ("start", fields.FloatField()),
                ("end", fields.FloatField()),
                ("text", fields.TextField(unique=False)),
                (
                    "words",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "transcript_segments",
                "app": "models",
                "unique_together": (("transcript_id", "index"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
