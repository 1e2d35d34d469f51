"""Test data for the money path: uploads in a given state, ledger checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from orm.models import CreditTransaction, Upload, User
from orm.models.enums import UploadStatus


async def create_upload(
    user: User,
    *,
    status: UploadStatus = UploadStatus.AWAITING_UPLOAD,
    duration: float | None = None,
    size: int = 1000,
    expires_in: float = 3600,
) -> Upload:
    upload_id = uuid.uuid4()
    return await Upload.create(
        id=upload_id,
        user=user,
        filename="talk.mp4",
        content_type="video/mp4",
        size_bytes=size,
        storage_key=f"uploads/{upload_id}/original.mp4",
        status=status,
        duration_seconds=duration,
        upload_expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
    )


async def assert_ledger_consistent(user_id: uuid.UUID) -> int:
    """Balance == sum of the ledger, never negative, and each row's balance_after chains."""
    user = await User.get(id=user_id)
    rows = await CreditTransaction.filter(user_id=user_id).order_by("created_at", "id")
    assert user.minutes_balance >= 0
    assert user.minutes_balance == sum(r.minutes for r in rows)
    # Rows are written under the user's row lock, so creation order is commit order and each
    # balance_after continues the previous one.
    running = 0
    for row in rows:
        running += row.minutes
        assert row.balance_after == running, (row.reference, row.balance_after, running)
    return user.minutes_balance
