"""An uploaded video and where it is in the pipeline."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from orm.models.enums import UploadStatus

if TYPE_CHECKING:
    from orm.models.accounts import User


class Upload(Model):
    user_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="uploads", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size_bytes = fields.BigIntField()
    storage_key = fields.CharField(max_length=512)
    # The ETag of the bytes checked and charged at completion; every stage reads the object
    # on this condition, so bytes sent later are never processed.
    source_etag = fields.CharField(max_length=128, null=True)
    status = fields.CharEnumField(UploadStatus, default=UploadStatus.AWAITING_UPLOAD, max_length=20)
    duration_seconds = fields.FloatField(null=True)
    error = fields.TextField(null=True)
    error_code = fields.CharField(max_length=40, null=True)  # with `error`, when it has a code
    source_url = fields.TextField(null=True)  # the link of an imported upload
    multipart_upload_id = fields.CharField(max_length=255, null=True)
    # What the creator asked of the clipper (core.clip_options.ClipOptions.to_json); null or
    # missing keys take the settings' defaults.
    clip_options: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)
    upload_expires_at = fields.DatetimeField()

    class Meta:
        table = "uploads"
        indexes = (("user_id", "created_at"),)
