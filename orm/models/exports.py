"""A rendered export of a clip (aspect ratio, optional burned subtitles)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from orm.models.enums import AspectRatio, ExportStatus

if TYPE_CHECKING:
    from orm.models.accounts import User
    from orm.models.clips import Clip


class Export(Model):
    user_id: uuid.UUID
    clip_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="exports", on_delete=fields.CASCADE
    )
    clip: fields.ForeignKeyRelation[Clip] = fields.ForeignKeyField(
        "models.Clip", related_name="exports", on_delete=fields.CASCADE
    )
    aspect_ratio = fields.CharEnumField(AspectRatio, max_length=20)
    burn_subtitles = fields.BooleanField(default=False)
    status = fields.CharEnumField(ExportStatus, default=ExportStatus.QUEUED, max_length=20)
    key = fields.CharField(max_length=512, null=True)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "exports"
