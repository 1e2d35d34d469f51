"""orm.lifecycle: the only writer of upload and export statuses, and the moves it allows."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.transactions import in_transaction

from core.pipeline import ExportStatus, UploadStatus
from orm.lifecycle import UPLOAD_MOVES, MoveRefused, move_export, move_upload
from orm.models import Upload
from tests.credits.helpers import create_upload
from tests.factories import create_user

pytestmark = pytest.mark.usefixtures("db")

HAPPY = [
    UploadStatus.AWAITING_UPLOAD,
    UploadStatus.QUEUED,
    UploadStatus.TRANSCRIBING,
    UploadStatus.CLIPPING,
    UploadStatus.CAPTIONING,
    UploadStatus.READY,
]


async def test_an_upload_walks_the_happy_path_and_errors_clear() -> None:
    user, _ = await create_user()
    upload = await create_upload(user)
    for status in HAPPY[1:]:
        await move_upload(upload, status)
        assert (await Upload.get(id=upload.id)).status == status == upload.status
    await move_upload(upload, UploadStatus.READY)  # staying put is always allowed


@pytest.mark.parametrize(
    "start, target",
    [
        (UploadStatus.AWAITING_UPLOAD, UploadStatus.TRANSCRIBING),  # never paid for
        (UploadStatus.QUEUED, UploadStatus.READY),
        (UploadStatus.READY, UploadStatus.FAILED),  # a duplicate run cannot fail a READY upload
        (UploadStatus.FAILED, UploadStatus.READY),
        (UploadStatus.CLIPPING, UploadStatus.QUEUED),
    ],
)
async def test_moves_outside_the_table_are_refused_and_change_nothing(
    start: UploadStatus, target: UploadStatus
) -> None:
    assert target not in UPLOAD_MOVES[start]
    user, _ = await create_user()
    upload = await create_upload(user, status=start)
    with pytest.raises(MoveRefused) as refused:
        await move_upload(upload, target, error="boom")
    assert (refused.value.current, refused.value.target) == (start, target)
    row = await Upload.get(id=upload.id)
    assert (row.status, row.error, upload.status) == (start, None, start)


async def test_a_reclip_takes_a_ready_upload_through_clipping_and_back() -> None:
    """READY -> CLIPPING -> CAPTIONING -> READY for a reclip; CLIPPING -> READY when it fails
    before its clips were saved. A READY upload still never becomes FAILED."""
    user, _ = await create_user()
    upload = await create_upload(user, status=UploadStatus.READY)
    for status in (UploadStatus.CLIPPING, UploadStatus.CAPTIONING, UploadStatus.READY):
        await move_upload(upload, status)
    await move_upload(upload, UploadStatus.CLIPPING)
    await move_upload(upload, UploadStatus.READY)
    assert (await Upload.get(id=upload.id)).status == UploadStatus.READY
    with pytest.raises(MoveRefused):
        await move_upload(upload, UploadStatus.TRANSCRIBING)


async def test_a_move_joins_the_callers_transaction() -> None:
    user, _ = await create_user()
    upload = await create_upload(user, status=UploadStatus.CAPTIONING)
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await move_upload(upload.id, UploadStatus.FAILED, error="x", conn=conn)
            raise RuntimeError("the caller's next step failed")
    assert (await Upload.get(id=upload.id)).status == UploadStatus.CAPTIONING


async def test_of_two_racing_writers_only_an_allowed_move_wins() -> None:
    """A worker finishing captions and a dead letter failing the upload at the same time:
    whichever commits first, the other move is re-checked against the new status."""
    user, _ = await create_user()
    upload = await create_upload(user, status=UploadStatus.CAPTIONING)
    outcomes = await asyncio.gather(
        move_upload(upload.id, UploadStatus.READY),
        move_upload(upload.id, UploadStatus.FAILED, error="lost"),
        return_exceptions=True,
    )
    final = (await Upload.get(id=upload.id)).status
    if final == UploadStatus.READY:  # READY won: failing it afterwards is refused
        assert outcomes[0] == [] and isinstance(outcomes[1], MoveRefused)
    else:  # FAILED won: READY may not follow FAILED
        assert final == UploadStatus.FAILED
        assert outcomes[1] == [] and isinstance(outcomes[0], MoveRefused)


async def test_a_missing_row_is_refused() -> None:
    import uuid

    with pytest.raises(MoveRefused, match="does not exist"):
        await move_upload(uuid.uuid4(), UploadStatus.QUEUED)
    with pytest.raises(MoveRefused, match="does not exist"):
        await move_export(uuid.uuid4(), ExportStatus.RENDERING)


async def test_an_import_is_queued_once_charged_or_fails_and_an_operator_may_retry_it() -> None:
    user, _ = await create_user()
    for target in (UploadStatus.TRANSCRIBING, UploadStatus.READY, UploadStatus.AWAITING_UPLOAD):
        importing = await create_upload(user, status=UploadStatus.IMPORTING)
        with pytest.raises(MoveRefused):
            await move_upload(importing, target)
    importing = await create_upload(user, status=UploadStatus.IMPORTING)
    await move_upload(importing, UploadStatus.QUEUED, duration_seconds=12.0)
    refused = await create_upload(user, status=UploadStatus.IMPORTING)
    await move_upload(refused, UploadStatus.FAILED, error="private", error_code="VIDEO_PRIVATE")
    row = await Upload.get(id=refused.id)
    assert (row.status, row.error, row.error_code) == (
        UploadStatus.FAILED,
        "private",
        "VIDEO_PRIVATE",
    )
    await move_upload(refused, UploadStatus.IMPORTING)  # the dead letter retried
    row = await Upload.get(id=refused.id)
    assert (row.status, row.error, row.error_code) == (UploadStatus.IMPORTING, None, None)
    with pytest.raises(MoveRefused):
        await move_upload(await create_upload(user), UploadStatus.IMPORTING)


async def test_terminal_moves_without_a_transaction_get_one_of_their_own() -> None:
    """The status and its outbox rows commit together even when the caller opened none:
    a failure while recording the event leaves the status where it was."""
    from unittest import mock

    from orm import outbox

    user, _ = await create_user()
    upload = await create_upload(user, status=UploadStatus.CAPTIONING)
    with (
        mock.patch.object(outbox, "record_upload_event", side_effect=OSError("disk gone")),
        pytest.raises(OSError),
    ):
        await move_upload(upload.id, UploadStatus.READY)
    assert (await Upload.get(id=upload.id)).status == UploadStatus.CAPTIONING
    assert await move_upload(upload.id, UploadStatus.READY) == []  # no endpoints: no rows
    assert (await Upload.get(id=upload.id)).status == UploadStatus.READY
