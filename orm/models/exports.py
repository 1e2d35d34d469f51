"""A rendered export of a clip: what was asked (aspect ratio, reframing, captions and their
style, cleanups, title) and what came out (duration, the reframing used, a message when it
differs from the request)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from orm.models.enums import AspectRatio, ExportStatus, Reframe

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
    reframe = fields.CharEnumField(Reframe, default=Reframe.CENTER, max_length=10)
    fill = fields.CharField(max_length=10, default="crop")  # CENTER: "crop" or "blur"
    # The style's fields when it was asked for (core.caption_styles.CaptionStyle.to_json), so
    # a re-render looks the same; None: the default preset.
    caption_style: fields.JSONField[dict[str, object] | None] = fields.JSONField(null=True)
    remove_fillers = fields.BooleanField(default=False)
    remove_silences = fields.BooleanField(default=False)
    title_overlay = fields.BooleanField(default=False)
    duration_seconds = fields.FloatField(null=True)  # of the rendered file
    reframe_used = fields.CharEnumField(Reframe, null=True, max_length=10)
    message = fields.TextField(null=True)  # what was done differently from the request
    status = fields.CharEnumField(ExportStatus, default=ExportStatus.QUEUED, max_length=20)
    key = fields.CharField(max_length=512, null=True)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "exports"
