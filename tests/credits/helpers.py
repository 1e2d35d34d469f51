"""Test data for the money path: uploads in a given state, ledger checks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

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


async def post_event(
    client: Any,
    event: dict[str, Any],
    secret: str,
    *,
    timestamp: int | None = None,
    header: str | None = None,
    payload: str | None = None,
) -> Any:
    """POST an event to the webhook the way Stripe does (raw JSON body, signed header)."""
    from tests.servers.fake_stripe import sign

    body = payload if payload is not None else json.dumps(event)
    signature = header if header is not None else sign(body, secret, timestamp)
    return await client.post(
        "/webhooks/stripe",
        content=body.encode(),
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


CHECKOUT = """
mutation($pack: String!) {
  createCheckoutSession(input: {pack: $pack}) { url errors { code field message } }
}
"""


async def buy_pack(gql: Any, client: Any, stripe: Any, token: str, pack: str, secret: str) -> Any:
    """Open Checkout for ``pack``, then deliver the signed 'paid' event; returns the response."""
    body = await gql(CHECKOUT, {"pack": pack}, token=token)
    url = body["data"]["createCheckoutSession"]["url"]
    assert url, body
    session_id = url.rsplit("/", 1)[1]
    return await post_event(client, stripe.paid_event(session_id), secret)
