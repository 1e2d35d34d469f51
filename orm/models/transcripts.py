"""A transcript: one row per upload, segments with their words (JSON: start, end, text, p)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from orm.models.uploads import Upload


class Transcript(Model):
    upload_id: uuid.UUID
    id = fields.UUIDField(primary_key=True)
    upload: fields.OneToOneRelation[Upload] = fields.OneToOneField(
        "models.Upload", related_name="transcript", on_delete=fields.CASCADE
    )
    language = fields.CharField(max_length=8)
    text = fields.TextField()
    duration_seconds = fields.FloatField()
    json_key = fields.CharField(max_length=512)
    srt_key = fields.CharField(max_length=512)
    vtt_key = fields.CharField(max_length=512)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "transcripts"


class TranscriptSegment(Model):
    transcript_id: uuid.UUID
    id = fields.BigIntField(primary_key=True)
    transcript: fields.ForeignKeyRelation[Transcript] = fields.ForeignKeyField(
        "models.Transcript", related_name="segments", on_delete=fields.CASCADE
    )
    index = fields.IntField()
    start = fields.FloatField()
    end = fields.FloatField()
    text = fields.TextField()
    words: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)

    class Meta:
        table = "transcript_segments"
        unique_together = (("transcript_id", "index"),)
        ordering = ["index"]


# One piece of a long transcription: a span of the audio cut at a silence, transcribed by its
# own job. `segments` (words with times on the whole audio's clock) is set when done; the rows
# go once the merged transcript is saved. (A comment, not a docstring: Tortoise would store a
# docstring as the table's description and want a migration for it.)
class TranscriptChunk(Model):

    upload_id: uuid.UUID
    id = fields.BigIntField(primary_key=True)
    upload: fields.ForeignKeyRelation[Upload] = fields.ForeignKeyField(
        "models.Upload", related_name="transcript_chunks", on_delete=fields.CASCADE
    )
    index = fields.IntField()
    count = fields.IntField()
    start_seconds = fields.FloatField()
    end_seconds = fields.FloatField()
    audio_key = fields.CharField(max_length=512)
    done = fields.BooleanField(default=False)
    language = fields.CharField(max_length=8, null=True)
    segments: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)

    class Meta:
        table = "transcript_chunks"
        unique_together = (("upload_id", "index"),)
        ordering = ["index"]
