"""Hardening (issue 15): the refresh token's sealed successor, kept for the grace window in
which a concurrent refresh gets the same pair; the ETag of an upload's checked bytes, which
every stage reads conditionally."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0007_steering")]

    initial = False

    operations = [
        ops.AddField(
            model_name="RefreshToken",
            name="successor_sealed",
            field=fields.TextField(null=True),
        ),
        ops.AddField(
            model_name="Upload",
            name="source_etag",
            field=fields.CharField(max_length=128, null=True),
        ),
    ]
