"""Post-ready exports: each user's caption styles, and what an export asks for (reframing,
fill, caption style, cleanups, title) and what it produced (duration, reframing used, a
message)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from typing import Any
from json import dumps, loads
from orm.models.enums import CaptionAnimation, CaptionPosition, Reframe
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class AddFieldState(ops.AddField):
    """The field in the migration state only: its column is added by the SQL below, with a
    database default, so existing rows (and rows written by processes still running the
    previous release) get a value."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


NOT_NULL_COLUMNS = ops.RunSQL(
    [
        "ALTER TABLE exports ADD COLUMN fill VARCHAR(10) NOT NULL DEFAULT 'crop'",
        "ALTER TABLE exports ADD COLUMN reframe VARCHAR(10) NOT NULL DEFAULT 'CENTER'",
        "ALTER TABLE exports ADD COLUMN remove_fillers BOOL NOT NULL DEFAULT FALSE",
        "ALTER TABLE exports ADD COLUMN remove_silences BOOL NOT NULL DEFAULT FALSE",
        "ALTER TABLE exports ADD COLUMN title_overlay BOOL NOT NULL DEFAULT FALSE",
    ],
    reverse_sql=[
        "ALTER TABLE exports DROP COLUMN fill",
        "ALTER TABLE exports DROP COLUMN reframe",
        "ALTER TABLE exports DROP COLUMN remove_fillers",
        "ALTER TABLE exports DROP COLUMN remove_silences",
        "ALTER TABLE exports DROP COLUMN title_overlay",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("models", "0005_partners")]

    initial = False

    operations = [
        NOT_NULL_COLUMNS,
        ops.CreateModel(
            name="CaptionStyle",
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
                        related_name="caption_styles",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=60)),
                ("font_family", fields.CharField(max_length=100)),
                ("font_size", fields.IntField()),
                ("text_color", fields.CharField(max_length=7)),
                ("highlight_color", fields.CharField(max_length=7)),
                ("outline_color", fields.CharField(max_length=7)),
                (
                    "position",
                    fields.CharEnumField(
                        description="TOP: TOP\nMIDDLE: MIDDLE\nBOTTOM: BOTTOM",
                        enum_type=CaptionPosition,
                        max_length=10,
                    ),
                ),
                (
                    "animation",
                    fields.CharEnumField(
                        description="NONE: NONE\nKARAOKE: KARAOKE\nWORD_BY_WORD: WORD_BY_WORD\nPOP: POP",
                        enum_type=CaptionAnimation,
                        max_length=20,
                    ),
                ),
                ("uppercase", fields.BooleanField(default=False)),
                ("words_per_line", fields.IntField()),
                ("bold", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "caption_styles",
                "app": "models",
                "unique_together": (("user_id", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Export",
            name="caption_style",
            field=fields.JSONField(
                null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Export",
            name="duration_seconds",
            field=fields.FloatField(null=True),
        ),
        AddFieldState(
            model_name="Export",
            name="fill",
            field=fields.CharField(default="crop", max_length=10),
        ),
        ops.AddField(
            model_name="Export",
            name="message",
            field=fields.TextField(null=True, unique=False),
        ),
        AddFieldState(
            model_name="Export",
            name="reframe",
            field=fields.CharEnumField(
                default=Reframe.CENTER,
                description="CENTER: CENTER\nSPEAKER: SPEAKER\nSPLIT: SPLIT",
                enum_type=Reframe,
                max_length=10,
            ),
        ),
        ops.AddField(
            model_name="Export",
            name="reframe_used",
            field=fields.CharEnumField(
                null=True,
                description="CENTER: CENTER\nSPEAKER: SPEAKER\nSPLIT: SPLIT",
                enum_type=Reframe,
                max_length=10,
            ),
        ),
        AddFieldState(
            model_name="Export",
            name="remove_fillers",
            field=fields.BooleanField(default=False),
        ),
        AddFieldState(
            model_name="Export",
            name="remove_silences",
            field=fields.BooleanField(default=False),
        ),
        AddFieldState(
            model_name="Export",
            name="title_overlay",
            field=fields.BooleanField(default=False),
        ),
    ]
