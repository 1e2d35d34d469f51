"""50 parallel completeUpload calls from a user whose balance covers 10 of them."""

from __future__ import annotations

import asyncio
from typing import Any

from core.config import Settings
from core.storage import get_store
from orm.models import CreditTransaction, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.credits.helpers import assert_ledger_consistent
from tests.uploads.conftest import Media
from tests.uploads.ops import complete, create, upload_pk


async def test_fifty_parallel_completions_ten_covered(
    gql: Any, make_user: Any, files: Media, settings: Settings, monkeypatch: Any
) -> None:
    monkeypatch.setattr(settings, "rate_limit_per_minute", 1000)  # 100 requests in a burst
    user, token = await make_user(minutes=10)  # each upload costs 1 minute
    size = files.video.stat().st_size
    ids = []
    for _ in range(50):
        created = await create(gql, token, size=size)
        ids.append(created["upload"]["id"])
        upload = await Upload.get(id=upload_pk(created["upload"]["id"]))
        await get_store().put_file(upload.storage_key, files.video, "video/mp4")

    results = await asyncio.gather(*(complete(gql, token, i) for i in ids))

    ok = [r for r in results if not r["errors"]]
    refused = [r for r in results if r["errors"]]
    assert len(ok) == 10
    assert {e["code"] for r in refused for e in r["errors"]} == {"INSUFFICIENT_CREDITS"}
    assert all(r["upload"]["status"] == "QUEUED" for r in ok)
    assert (await User.get(id=user.id)).minutes_balance == 0
    assert await assert_ledger_consistent(user.id) == 0
    charges = await CreditTransaction.filter(user_id=user.id, kind=CreditKind.UPLOAD_CHARGE)
    assert sorted(c.balance_after for c in charges) == list(range(10))
    pks = [upload_pk(i) for i in ids]
    assert await Upload.filter(id__in=pks, status=UploadStatus.QUEUED).count() == 10
    assert await Upload.filter(id__in=pks, status=UploadStatus.AWAITING_UPLOAD).count() == 40
