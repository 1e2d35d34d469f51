"""A user's own caption style (the built-in presets live in code: core.caption_styles)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from orm.models.enums import CaptionAnimation, CaptionPosition

if TYPE_CHECKING:
    from orm.models.accounts import User


class CaptionStyle(Model):
    user_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="caption_styles", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=60)
    font_family = fields.CharField(max_length=100)
    font_size = fields.IntField()
    text_color = fields.CharField(max_length=7)
    highlight_color = fields.CharField(max_length=7)
    outline_color = fields.CharField(max_length=7)
    position = fields.CharEnumField(CaptionPosition, max_length=10)
    animation = fields.CharEnumField(CaptionAnimation, max_length=20)
    uppercase = fields.BooleanField(default=False)
    words_per_line = fields.IntField()
    bold = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "caption_styles"
        unique_together = (("user_id", "name"),)
