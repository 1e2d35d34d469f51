"""Long media is transcribed in chunks, each a job of its own: one row per chunk."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_dead_letter_queue_names")]

    initial = False

    operations = [
        ops.CreateModel(
            name="TranscriptChunk",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "upload",
                    fields.ForeignKeyField(
                        "models.Upload",
                        source_field="upload_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="transcript_chunks",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("index", fields.IntField()),
                ("count", fields.IntField()),
                ("start_seconds", fields.FloatField()),
                ("end_seconds", fields.FloatField()),
                ("audio_key", fields.CharField(max_length=512)),
                ("done", fields.BooleanField(default=False)),
                ("language", fields.CharField(max_length=8, null=True)),
                (
                    "segments",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "transcript_chunks",
                "app": "models",
                "unique_together": (("upload_id", "index"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
