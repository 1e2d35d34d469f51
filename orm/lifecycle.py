"""The one place an upload's or an export's status changes, and the moves it may make.

Every writer of `Upload.status` and `Export.status` calls `move_upload` / `move_export`.
The move is one conditional UPDATE (`... WHERE status IN <allowed sources>`) on the caller's
connection, so it joins the caller's transaction and is safe without a row lock: of two racing
writers only the one whose move is still allowed wins, and the other gets `MoveRefused`.
Staying in the same status is always allowed (a re-run stage, a repeated request).

A move that makes an upload or an export READY or FAILED also records its webhook event
(orm.outbox) in the same transaction: the caller's, or one of its own when it gave none.
The move returns the ids of the deliveries it recorded; the caller starts them once its
transaction committed (jobs.schedule.start_deliveries), and the worker's recovery sweep
starts any it did not. A repeated move (already READY) records nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.pipeline import ExportStatus, UploadStatus
from orm import outbox
from orm.models import Export, Upload

U = UploadStatus
UPLOAD_MOVES: dict[UploadStatus, frozenset[UploadStatus]] = {
    U.AWAITING_UPLOAD: frozenset({U.QUEUED}),
    # Imported from a link: charged, then queued; or refused (nothing charged).
    U.IMPORTING: frozenset({U.QUEUED, U.FAILED}),
    U.QUEUED: frozenset({U.TRANSCRIBING, U.FAILED}),
    U.TRANSCRIBING: frozenset({U.CLIPPING, U.FAILED}),
    # READY again: a reclip that failed keeps the clips it had.
    U.CLIPPING: frozenset({U.CAPTIONING, U.FAILED, U.READY}),
    U.CAPTIONING: frozenset({U.READY, U.FAILED}),
    # A re-delivered captions job on a READY upload whose clips lack captions; a reclip.
    U.READY: frozenset({U.CAPTIONING, U.CLIPPING}),
    # Retried by the user (from the start) or an operator (from the failed stage).
    U.FAILED: frozenset({U.IMPORTING, U.QUEUED, U.TRANSCRIBING, U.CLIPPING, U.CAPTIONING}),
}
"""Upload status -> the statuses it may move to next."""

TERMINAL_UPLOAD = frozenset({U.READY, U.FAILED})

E = ExportStatus
EXPORT_MOVES: dict[ExportStatus, frozenset[ExportStatus]] = {
    E.QUEUED: frozenset({E.RENDERING, E.FAILED}),
    E.RENDERING: frozenset({E.READY, E.FAILED}),
    # Rendered again when its file went missing.
    E.READY: frozenset({E.RENDERING}),
    # Retried by an operator.
    E.FAILED: frozenset({E.QUEUED}),
}
TERMINAL_EXPORT = frozenset({E.READY, E.FAILED})


class MoveRefused(Exception):
    """The table does not allow the move (or the row is gone)."""

    def __init__(self, what: str, row_id: object, current: str | None, target: str) -> None:
        where = f"is {current}" if current else "does not exist"
        super().__init__(f"{what} {row_id} {where}; it cannot become {target}")
        self.current = current
        self.target = target


async def _update(
    model: type[Upload] | type[Export],
    moves: dict[Any, frozenset[Any]],
    row_id: uuid.UUID,
    target: Any,
    values: dict[str, Any],
    conn: BaseDBAsyncClient | None,
) -> bool:
    """The conditional UPDATE; True when the status changed, False when it stayed put."""
    for sources in ([s for s, nexts in moves.items() if target in nexts], [target]):
        query = model.filter(id=row_id, status__in=sources)
        if conn is not None:
            query = query.using_db(conn)
        if await query.update(**values):
            return sources != [target]
    current = await _current(model, row_id, conn)
    raise MoveRefused(model.__name__.lower(), row_id, current, str(target))


async def move_upload(
    upload: Upload | uuid.UUID,
    target: UploadStatus,
    *,
    error: str | None = None,
    error_code: str | None = None,
    conn: BaseDBAsyncClient | None = None,
    **fields: Any,
) -> list[uuid.UUID]:
    """Set the upload's status (and `error` with its `error_code`, cleared unless given, and
    other `fields`); returns the webhook deliveries recorded (READY or FAILED only).

    With a model instance, its attributes follow the new values.
    """
    if target in TERMINAL_UPLOAD and conn is None:
        async with in_transaction() as own:
            return await move_upload(
                upload, target, error=error, error_code=error_code, conn=own, **fields
            )
    upload_id = upload.id if isinstance(upload, Upload) else upload
    values = {
        "status": target,
        "error": error,
        "error_code": error_code,
        "updated_at": datetime.now(UTC),
        **fields,
    }
    changed = await _update(Upload, UPLOAD_MOVES, upload_id, target, values, conn)
    if isinstance(upload, Upload):
        for name, value in values.items():
            setattr(upload, name, value)
    if changed and target in TERMINAL_UPLOAD:
        assert conn is not None
        return await outbox.record_upload_event(upload_id, conn)
    return []


async def move_export(
    export: Export | uuid.UUID,
    target: ExportStatus,
    *,
    error: str | None = None,
    conn: BaseDBAsyncClient | None = None,
    **fields: Any,
) -> list[uuid.UUID]:
    """Set the export's status (and `error`, cleared unless given, and other `fields`);
    returns the webhook deliveries recorded (READY or FAILED only)."""
    if target in TERMINAL_EXPORT and conn is None:
        async with in_transaction() as own:
            return await move_export(export, target, error=error, conn=own, **fields)
    export_id = export.id if isinstance(export, Export) else export
    values = {"status": target, "error": error, "updated_at": datetime.now(UTC), **fields}
    changed = await _update(Export, EXPORT_MOVES, export_id, target, values, conn)
    if isinstance(export, Export):
        for name, value in values.items():
            setattr(export, name, value)
    if changed and target in TERMINAL_EXPORT:
        assert conn is not None
        return await outbox.record_export_event(export_id, conn)
    return []


async def _current(
    model: type[Upload] | type[Export], row_id: uuid.UUID, conn: BaseDBAsyncClient | None
) -> str | None:
    query = model.filter(id=row_id)
    if conn is not None:
        query = query.using_db(conn)
    rows = await query.limit(1).values_list("status", flat=True)
    return str(rows[0]) if rows else None
