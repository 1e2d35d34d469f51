"""The credit ledger: the only code that changes a user's minutes balance.

Every change is one database transaction that locks the user row, updates
``User.minutes_balance`` and writes a CreditTransaction with a unique ``reference``, so the
balance always equals the sum of the ledger and concurrent changes serialise per user.
The api (purchases, uploads) and the worker (refunds after a dead letter) both use it.
"""

from __future__ import annotations

import logging
import math
import uuid

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import DomainError
from core.metrics import CREDIT_MINUTES_CHARGED, CREDIT_MINUTES_REFUNDED
from orm.models import CreditTransaction, Upload, User
from orm.models.enums import CreditKind, UploadStatus

log = logging.getLogger("clipforge.ledger")

CREDIT_KINDS = (CreditKind.GRANT, CreditKind.PURCHASE)


class InsufficientCredits(DomainError):
    def __init__(self, needed: int, balance: int) -> None:
        super().__init__(
            "INSUFFICIENT_CREDITS",
            f"This needs {needed} minutes of credit; you have {balance}.",
        )
        self.needed = needed
        self.balance = balance


def minutes_for(duration_seconds: float) -> int:
    """What media of this length costs: whole minutes, rounded up, at least one."""
    return max(1, math.ceil(duration_seconds / 60))


async def lock_user(user_id: uuid.UUID, conn: BaseDBAsyncClient) -> User:
    """The user row, locked until the transaction ends (the per-user serialisation point)."""
    user = await User.filter(id=user_id).select_for_update().using_db(conn).first()
    if user is None:
        raise LookupError(f"no user {user_id}")
    return user


async def _write(
    user: User,
    minutes: int,
    kind: CreditKind,
    reference: str,
    conn: BaseDBAsyncClient,
    *,
    upload_id: uuid.UUID | None = None,
    refund_of_id: uuid.UUID | None = None,
) -> CreditTransaction:
    """Apply a signed change to a locked user and record it."""
    balance = user.minutes_balance + minutes
    if balance < 0:
        raise InsufficientCredits(-minutes, user.minutes_balance)
    await User.filter(id=user.id).using_db(conn).update(minutes_balance=balance)
    user.minutes_balance = balance
    return await CreditTransaction.create(
        user_id=user.id,
        kind=kind,
        minutes=minutes,
        balance_after=balance,
        reference=reference,
        upload_id=upload_id,
        refund_of_id=refund_of_id,
        using_db=conn,
    )


async def credit(
    user_id: uuid.UUID,
    minutes: int,
    reference: str,
    kind: CreditKind,
    conn: BaseDBAsyncClient,
    upload_id: uuid.UUID | None = None,
) -> tuple[CreditTransaction, bool]:
    """Add minutes inside the caller's transaction; (row, created). A reference already in
    the ledger returns its row and changes nothing."""
    if kind not in CREDIT_KINDS:
        raise ValueError(f"grant cannot write {kind}")
    if minutes <= 0:
        raise ValueError("a grant adds a positive number of minutes")
    user = await lock_user(user_id, conn)
    existing = await CreditTransaction.filter(reference=reference).using_db(conn).first()
    if existing is not None:
        return existing, False
    return await _write(user, minutes, kind, reference, conn, upload_id=upload_id), True


async def grant(
    user_id: uuid.UUID,
    minutes: int,
    reference: str,
    kind: CreditKind = CreditKind.GRANT,
    upload_id: uuid.UUID | None = None,
) -> CreditTransaction:
    """Add minutes (a GRANT or a PURCHASE) in a transaction of its own. Idempotent by
    reference: a repeat returns the existing row and changes nothing."""
    try:
        async with in_transaction() as conn:
            tx, _ = await credit(user_id, minutes, reference, kind, conn, upload_id)
            return tx
    except IntegrityError:
        # The same reference was written concurrently under another user's row lock.
        existing = await CreditTransaction.filter(reference=reference).first()
        if existing is None:
            raise
        return existing


async def charge_upload(upload: Upload, minutes: int, conn: BaseDBAsyncClient) -> CreditTransaction:
    """Charge an upload's minutes inside the caller's transaction (which it must commit).

    Locks the user row; raises InsufficientCredits (INSUFFICIENT_CREDITS, with the minutes
    needed) when the balance does not cover it, leaving everything unchanged.
    """
    if minutes <= 0:
        raise ValueError("a charge takes a positive number of minutes")
    user = await lock_user(upload.user_id, conn)
    previous = (
        await CreditTransaction.filter(upload_id=upload.id, kind=CreditKind.UPLOAD_CHARGE)
        .using_db(conn)
        .count()
    )
    tx = await _write(
        user,
        -minutes,
        CreditKind.UPLOAD_CHARGE,
        f"upload:{upload.id}:charge:{previous}",
        conn,
        upload_id=upload.id,
    )
    CREDIT_MINUTES_CHARGED.inc(minutes)
    return tx


async def unrefunded_charge(
    upload_id: uuid.UUID, conn: BaseDBAsyncClient | None = None
) -> CreditTransaction | None:
    """The upload's latest charge that has no refund yet (None if every charge was refunded)."""
    charges = (
        await CreditTransaction.filter(upload_id=upload_id, kind=CreditKind.UPLOAD_CHARGE)
        .using_db(conn)
        .order_by("-created_at", "-reference")
    )
    if not charges:
        return None
    refunded = set(
        await CreditTransaction.filter(
            kind=CreditKind.REFUND, refund_of_id__in=[c.id for c in charges]
        )
        .using_db(conn)
        .values_list("refund_of_id", flat=True)
    )
    return next((c for c in charges if c.id not in refunded), None)


async def refund_upload(upload_id: uuid.UUID, reason: str) -> bool:
    """Refund the upload's latest unrefunded charge, exactly once, if the upload is FAILED.

    Returns False when there is nothing to refund: never charged, already refunded, gone, or
    no longer FAILED (a retry queued it again and its run uses the charge). Call it after
    marking the upload FAILED. Concurrent callers serialise on the user row (retryUpload takes
    the same lock); the unique reference ``refund:<charge id>`` and the one-to-one
    ``refund_of`` back that up in the database.
    """
    owners = await Upload.filter(id=upload_id).values_list("user_id", flat=True)
    if not owners:
        return False
    user_id = uuid.UUID(str(owners[0]))
    try:
        async with in_transaction() as conn:
            user = await lock_user(user_id, conn)
            upload = await Upload.filter(id=upload_id).select_for_update().using_db(conn).first()
            if upload is None or upload.status != UploadStatus.FAILED:
                return False
            charge = await unrefunded_charge(upload_id, conn)
            if charge is None:
                return False
            await _write(
                user,
                -charge.minutes,
                CreditKind.REFUND,
                f"refund:{charge.id}",
                conn,
                upload_id=upload_id,
                refund_of_id=charge.id,
            )
    except IntegrityError:
        log.info("refund of upload %s already recorded", upload_id)
        return False
    CREDIT_MINUTES_REFUNDED.inc(-charge.minutes)
    log.info(
        "refunded %s minutes for upload %s: %s",
        -charge.minutes,
        upload_id,
        reason,
        extra={"upload_id": str(upload_id)},
    )
    return True


async def ledger_sum(user_id: uuid.UUID) -> int:
    """The sum of the user's ledger (equals User.minutes_balance; checked by tests and ops)."""
    rows = await CreditTransaction.filter(user_id=user_id).only("minutes")
    return sum(r.minutes for r in rows)
