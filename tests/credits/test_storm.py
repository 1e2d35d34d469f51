"""A randomised storm of concurrent grants, purchases, charges and refunds on a few users:
afterwards every balance equals the sum of its ledger and no balance ever went negative."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

from tortoise.transactions import in_transaction

from core.errors import DomainError
from orm import ledger
from orm.models import CreditTransaction, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.credits.helpers import assert_ledger_consistent, create_upload

SEED = random.randrange(1 << 30)


async def test_balance_equals_ledger_after_storm(make_user: Any) -> None:
    rng = random.Random(SEED)
    users: list[User] = [(await make_user(minutes=20))[0] for _ in range(4)]
    uploads: list[Upload] = [
        await create_upload(u, status=UploadStatus.FAILED) for u in users for _ in range(6)
    ]
    outcomes: dict[str, int] = {"charged": 0, "refused": 0, "refunded": 0, "no_refund": 0}

    async def grant(user: User, kind: CreditKind) -> None:
        await ledger.grant(user.id, rng.randint(1, 15), f"storm:{uuid.uuid4()}", kind=kind)

    async def charge(upload: Upload) -> None:
        try:
            async with in_transaction() as conn:
                await ledger.charge_upload(upload, rng.randint(1, 12), conn)
            outcomes["charged"] += 1
        except DomainError as exc:
            assert exc.code == "INSUFFICIENT_CREDITS"
            outcomes["refused"] += 1

    async def refund(upload: Upload) -> None:
        done = await ledger.refund_upload(upload.id, "storm")
        outcomes["refunded" if done else "no_refund"] += 1

    ops = []
    for _ in range(240):
        roll = rng.random()
        if roll < 0.15:
            ops.append(grant(rng.choice(users), CreditKind.GRANT))
        elif roll < 0.3:
            ops.append(grant(rng.choice(users), CreditKind.PURCHASE))
        elif roll < 0.7:
            ops.append(charge(rng.choice(uploads)))
        else:
            ops.append(refund(rng.choice(uploads)))
    await asyncio.gather(*ops)

    assert outcomes["charged"] > 0 and outcomes["refunded"] > 0, (SEED, outcomes)
    for user in users:
        await assert_ledger_consistent(user.id)
    user_ids = [u.id for u in users]
    charges = await CreditTransaction.filter(user_id__in=user_ids, kind=CreditKind.UPLOAD_CHARGE)
    refunds = await CreditTransaction.filter(user_id__in=user_ids, kind=CreditKind.REFUND)
    assert len(charges) == outcomes["charged"], SEED
    # A refund returns every charge of the upload still unrefunded (a charge and its top-up),
    # so a call may write several rows; none without a successful call.
    assert outcomes["refunded"] <= len(refunds) <= len(charges), SEED
    by_id = {c.id: c for c in charges}
    for r in refunds:  # each refund returns exactly its charge, and each charge at most once
        assert by_id[r.refund_of_id].minutes == -r.minutes  # type: ignore[index]
    assert len({r.refund_of_id for r in refunds}) == len(refunds)
