"""Clips cut from an upload and their per-platform social captions."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from orm.models.enums import CaptionPlatform, ClipOrigin

if TYPE_CHECKING:
    from orm.models.uploads import Upload


class Clip(Model):
    upload_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    upload: fields.ForeignKeyRelation[Upload] = fields.ForeignKeyField(
        "models.Upload", related_name="clips", on_delete=fields.CASCADE
    )
    rank = fields.IntField()
    start_seconds = fields.FloatField()
    end_seconds = fields.FloatField()
    duration_seconds = fields.FloatField()
    score = fields.FloatField()
    title = fields.CharField(max_length=200)
    reason = fields.TextField()
    video_key = fields.CharField(max_length=512)
    thumbnail_key = fields.CharField(max_length=512)
    srt_key = fields.CharField(max_length=512)
    vtt_key = fields.CharField(max_length=512)
    ass_key = fields.CharField(max_length=512)
    # AUTO: found by the clipper (a reclip replaces it); MANUAL: made or edited by the user.
    origin = fields.CharEnumField(ClipOrigin, default=ClipOrigin.AUTO, max_length=10)
    # The components behind `score`: [{"name": "hook", "score": 80.0}, ...], each 0..100.
    score_breakdown: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "clips"
        unique_together = (("upload_id", "rank"),)


class Caption(Model):
    clip_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    clip: fields.ForeignKeyRelation[Clip] = fields.ForeignKeyField(
        "models.Clip", related_name="captions", on_delete=fields.CASCADE
    )
    platform = fields.CharEnumField(CaptionPlatform, max_length=20)
    text = fields.TextField()
    hashtags: fields.JSONField[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "captions"
        unique_together = (("clip_id", "platform"),)
