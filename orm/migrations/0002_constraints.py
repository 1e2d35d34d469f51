"""Rules the database enforces itself, whatever the application code does."""

from tortoise import migrations
from tortoise.migrations import operations as ops

CHECKS = [
    ("users", "users_balance_nonneg", "minutes_balance >= 0"),
    ("users", "users_email_lower", "email = lower(email)"),
    ("credit_transactions", "credit_balance_after_nonneg", "balance_after >= 0"),
    (
        "credit_transactions",
        "credit_sign_by_kind",
        "(kind = 'UPLOAD_CHARGE' AND minutes < 0) OR (kind <> 'UPLOAD_CHARGE' AND minutes > 0)",
    ),
    ("clips", "clips_time_order", "end_seconds > start_seconds AND start_seconds >= 0"),
    ("clips", "clips_score_range", "score >= 0 AND score <= 100"),
    ("uploads", "uploads_size_positive", "size_bytes > 0"),
]


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.RunSQL(
            [f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({expr})" for t, name, expr in CHECKS]
            + [
                "CREATE INDEX IF NOT EXISTS credit_tx_upload_idx"
                " ON credit_transactions (upload_id)",
            ],
            reverse_sql=[f"ALTER TABLE {t} DROP CONSTRAINT {name}" for t, name, _ in CHECKS]
            + ["DROP INDEX IF EXISTS credit_tx_upload_idx"],
        ),
    ]
