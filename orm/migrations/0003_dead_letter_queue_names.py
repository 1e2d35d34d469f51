"""Dead-letter queues are named `<job>_dead` for every job (core.pipeline): the captions
job's entries move from `caption_dead` to `captions_dead`."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_constraints")]

    initial = False

    operations = [
        ops.RunSQL(
            ["UPDATE dead_letters SET queue = 'captions_dead' WHERE queue = 'caption_dead'"],
            reverse_sql=[
                "UPDATE dead_letters SET queue = 'caption_dead' WHERE queue = 'captions_dead'"
            ],
        ),
    ]
