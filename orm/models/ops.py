"""Jobs that exhausted their retries, kept for operators to inspect and retry."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from orm.models.uploads import Upload


class DeadLetter(Model):
    upload_id: uuid.UUID | None
    id = fields.UUIDField(primary_key=True)
    queue = fields.CharField(max_length=32, db_index=True)  # transcribe_dead, clip_dead, ...
    job_name = fields.CharField(max_length=64)
    job_id = fields.CharField(max_length=128, null=True)
    upload: fields.ForeignKeyNullableRelation[Upload] = fields.ForeignKeyField(
        "models.Upload", related_name="dead_letters", null=True, on_delete=fields.SET_NULL
    )
    job_args: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    attempts = fields.IntField()
    error = fields.TextField()
    failed_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "dead_letters"
