"""The ledger on real PostgreSQL: grants, charges, exactly-once refunds, row-lock serialisation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from core.errors import DomainError
from orm import ledger
from orm.models import CreditTransaction, User
from orm.models.enums import CreditKind, UploadStatus
from tests.credits.helpers import assert_ledger_consistent, create_upload


async def charge(upload: Any, minutes: int) -> CreditTransaction:
    async with in_transaction() as conn:
        return await ledger.charge_upload(upload, minutes, conn)


async def test_grant_adds_and_is_idempotent_by_reference(make_user: Any) -> None:
    user, _ = await make_user(minutes=0)
    first = await ledger.grant(user.id, 25, f"promo:{user.id}")
    again = await ledger.grant(user.id, 25, f"promo:{user.id}")
    assert again.id == first.id
    assert first.kind == CreditKind.GRANT and first.balance_after == 25
    purchase = await ledger.grant(user.id, 100, f"stripe:x-{user.id}", kind=CreditKind.PURCHASE)
    assert purchase.balance_after == 125
    assert await assert_ledger_consistent(user.id) == 125


async def test_grant_refuses_debits(make_user: Any) -> None:
    user, _ = await make_user(minutes=0)
    with pytest.raises(ValueError):
        await ledger.grant(user.id, -5, f"bad:{user.id}")
    with pytest.raises(ValueError):
        await ledger.grant(user.id, 5, f"bad:{user.id}", kind=CreditKind.UPLOAD_CHARGE)
    assert await CreditTransaction.filter(user_id=user.id).count() == 0


async def test_concurrent_grants_with_one_reference_grant_once(make_user: Any) -> None:
    user, _ = await make_user(minutes=0)
    rows = await asyncio.gather(*(ledger.grant(user.id, 7, f"once:{user.id}") for _ in range(10)))
    assert len({r.id for r in rows}) == 1
    assert await assert_ledger_consistent(user.id) == 7


async def test_charge_numbers_references_and_refuses_overdraft(make_user: Any) -> None:
    user, _ = await make_user(minutes=10)
    upload = await create_upload(user, status=UploadStatus.FAILED, duration=240)
    tx = await charge(upload, 4)
    assert (tx.kind, tx.minutes, tx.balance_after) == (CreditKind.UPLOAD_CHARGE, -4, 6)
    assert tx.reference == f"upload:{upload.id}:charge:0"
    with pytest.raises(DomainError) as err:
        await charge(upload, 7)
    assert err.value.code == "INSUFFICIENT_CREDITS"
    assert "7 minutes" in err.value.message
    assert (await User.get(id=user.id)).minutes_balance == 6
    assert await ledger.refund_upload(upload.id, "test")
    tx2 = await charge(upload, 4)
    assert tx2.reference == f"upload:{upload.id}:charge:1"
    assert await assert_ledger_consistent(user.id) == 6


async def test_refund_is_exactly_once_under_concurrency(make_user: Any) -> None:
    user, _ = await make_user(minutes=30)
    upload = await create_upload(user, status=UploadStatus.FAILED, duration=600)
    charged = await charge(upload, 10)
    results = await asyncio.gather(*(ledger.refund_upload(upload.id, "dead") for _ in range(20)))
    assert results.count(True) == 1
    refund = await CreditTransaction.get(kind=CreditKind.REFUND, upload_id=upload.id)
    assert refund.reference == f"refund:{charged.id}"
    assert refund.refund_of_id == charged.id and refund.minutes == 10
    assert await ledger.refund_upload(upload.id, "again") is False
    assert await assert_ledger_consistent(user.id) == 30


async def test_refund_targets_the_latest_unrefunded_charge(make_user: Any) -> None:
    user, _ = await make_user(minutes=30)
    upload = await create_upload(user, status=UploadStatus.FAILED, duration=300)
    assert await ledger.refund_upload(upload.id, "never charged") is False
    first = await charge(upload, 5)
    assert await ledger.refund_upload(upload.id, "failed")
    second = await charge(upload, 5)
    assert await ledger.refund_upload(upload.id, "failed again")
    refunds = await CreditTransaction.filter(kind=CreditKind.REFUND, upload_id=upload.id)
    assert {r.refund_of_id for r in refunds} == {first.id, second.id}
    assert await ledger.refund_upload(upload.id, "nothing left") is False
    assert await assert_ledger_consistent(user.id) == 30


async def test_refund_of_unknown_upload_is_false(db: None) -> None:
    import uuid

    assert await ledger.refund_upload(uuid.uuid4(), "gone") is False


async def test_no_refund_once_a_retry_queued_the_upload_again(make_user: Any) -> None:
    """The dead-letter path marks FAILED, then refunds; a retry in between keeps the charge."""
    user, _ = await make_user(minutes=30)
    upload = await create_upload(user, status=UploadStatus.QUEUED, duration=120)
    await charge(upload, 2)
    assert await ledger.refund_upload(upload.id, "too late") is False
    assert await CreditTransaction.filter(kind=CreditKind.REFUND, upload_id=upload.id).count() == 0
    assert await assert_ledger_consistent(user.id) == 28
