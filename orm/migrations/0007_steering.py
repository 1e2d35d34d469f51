"""Steering and editing: an upload's clip options in one column, clip origins and score
breakdowns, ranks that can be renumbered in one statement, and full-text search over what
is said (a tsvector per transcript segment, kept by a trigger, with a GIN index)."""

import functools
from json import dumps, loads
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from orm.models.enums import ClipOrigin

_compact = functools.partial(dumps, separators=(",", ":"))

# The upload's three option columns move into clip_options (keys as ClipOptions.to_json).
COPY_OPTIONS = """
UPDATE uploads SET clip_options = jsonb_strip_nulls(jsonb_build_object(
    'minSeconds', clip_min_seconds, 'maxSeconds', clip_max_seconds, 'language', language))
WHERE clip_min_seconds IS NOT NULL OR clip_max_seconds IS NOT NULL OR language IS NOT NULL
"""
COPY_OPTIONS_BACK = """
UPDATE uploads SET clip_min_seconds = (clip_options->>'minSeconds')::float,
    clip_max_seconds = (clip_options->>'maxSeconds')::float,
    language = left(clip_options->>'language', 8)
WHERE clip_options IS NOT NULL
"""

# Ranks are renumbered by score in one UPDATE when clips are added, edited or removed: the
# uniqueness of (upload, rank) is checked at the end of the statement, not row by row.
DEFERRABLE_RANKS = """
DO $$
DECLARE name text;
BEGIN
    SELECT conname INTO name FROM pg_constraint
    WHERE conrelid = 'clips'::regclass AND contype = 'u'
      AND pg_get_constraintdef(oid) = 'UNIQUE (upload_id, rank)';
    IF name IS NOT NULL THEN
        EXECUTE format('ALTER TABLE clips DROP CONSTRAINT %I', name);
    END IF;
END $$;
ALTER TABLE clips ADD CONSTRAINT clips_upload_rank_key UNIQUE (upload_id, rank)
    DEFERRABLE INITIALLY IMMEDIATE;
"""
PLAIN_RANKS = """
ALTER TABLE clips DROP CONSTRAINT clips_upload_rank_key;
ALTER TABLE clips ADD CONSTRAINT clips_upload_rank_key UNIQUE (upload_id, rank);
"""

# A transcript's language (a faster-whisper code) -> the text search configuration that
# stems it; 'simple' (lower-cased words) for the others and for servers lacking one.
SEARCH_CONFIG = """
CREATE FUNCTION clipforge_search_config(language text) RETURNS regconfig
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT c.oid::regconfig FROM pg_ts_config c
         WHERE c.cfgname = CASE lower(split_part(coalesce(language, ''), '-', 1))
             WHEN 'ar' THEN 'arabic' WHEN 'hy' THEN 'armenian' WHEN 'eu' THEN 'basque'
             WHEN 'ca' THEN 'catalan' WHEN 'da' THEN 'danish' WHEN 'nl' THEN 'dutch'
             WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish' WHEN 'fr' THEN 'french'
             WHEN 'de' THEN 'german' WHEN 'el' THEN 'greek' WHEN 'hi' THEN 'hindi'
             WHEN 'hu' THEN 'hungarian' WHEN 'id' THEN 'indonesian' WHEN 'it' THEN 'italian'
             WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali' WHEN 'no' THEN 'norwegian'
             WHEN 'nn' THEN 'norwegian' WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian'
             WHEN 'ru' THEN 'russian' WHEN 'sr' THEN 'serbian' WHEN 'es' THEN 'spanish'
             WHEN 'sv' THEN 'swedish' WHEN 'ta' THEN 'tamil' WHEN 'tr' THEN 'turkish'
             WHEN 'yi' THEN 'yiddish' ELSE 'simple' END
           AND c.cfgnamespace = 'pg_catalog'::regnamespace),
        'simple'::regconfig)
$$;
CREATE AGGREGATE clipforge_tsquery_or(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);
ALTER TABLE transcript_segments ADD COLUMN search_vector tsvector;
CREATE FUNCTION clipforge_segment_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector(
        clipforge_search_config(
            (SELECT t.language FROM transcripts t WHERE t.id = NEW.transcript_id)),
        coalesce(NEW.text, ''));
    RETURN NEW;
END $$;
CREATE TRIGGER transcript_segments_search_vector
    BEFORE INSERT OR UPDATE OF text ON transcript_segments
    FOR EACH ROW EXECUTE FUNCTION clipforge_segment_search_vector();
UPDATE transcript_segments SET text = text;
CREATE INDEX transcript_segments_search_idx ON transcript_segments USING GIN (search_vector);
"""
NO_SEARCH = """
DROP INDEX IF EXISTS transcript_segments_search_idx;
DROP TRIGGER IF EXISTS transcript_segments_search_vector ON transcript_segments;
DROP FUNCTION IF EXISTS clipforge_segment_search_vector();
ALTER TABLE transcript_segments DROP COLUMN IF EXISTS search_vector;
DROP AGGREGATE IF EXISTS clipforge_tsquery_or(tsquery);
DROP FUNCTION IF EXISTS clipforge_search_config(text);
"""


class AddFieldState(ops.AddField):
    """The field in the migration state only: CLIP_COLUMNS adds its column with a database
    default, so existing clips (and clips written by processes still running the previous
    release) get a value."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


CLIP_COLUMNS = ops.RunSQL(
    [
        "ALTER TABLE clips ADD COLUMN origin VARCHAR(10) NOT NULL DEFAULT 'AUTO'",
        "ALTER TABLE clips ADD COLUMN score_breakdown JSONB NOT NULL DEFAULT '[]'",
    ],
    reverse_sql=[
        "ALTER TABLE clips DROP COLUMN origin",
        "ALTER TABLE clips DROP COLUMN score_breakdown",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("models", "0006_exports")]

    initial = False

    operations = [
        ops.AddField(
            "Upload", "clip_options", fields.JSONField(null=True, encoder=_compact, decoder=loads)
        ),
        ops.RunSQL([COPY_OPTIONS], reverse_sql=[COPY_OPTIONS_BACK]),
        ops.RemoveField("Upload", "clip_min_seconds"),
        ops.RemoveField("Upload", "clip_max_seconds"),
        ops.RemoveField("Upload", "language"),
        CLIP_COLUMNS,
        AddFieldState(
            "Clip",
            "origin",
            fields.CharEnumField(
                default=ClipOrigin.AUTO,
                description="AUTO: AUTO\nMANUAL: MANUAL",
                enum_type=ClipOrigin,
                max_length=10,
            ),
        ),
        AddFieldState(
            "Clip",
            "score_breakdown",
            fields.JSONField(default=list, encoder=_compact, decoder=loads),
        ),
        ops.RunSQL([DEFERRABLE_RANKS], reverse_sql=[PLAIN_RANKS]),
        ops.RunSQL([SEARCH_CONFIG], reverse_sql=[NO_SEARCH]),
    ]
