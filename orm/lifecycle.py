"""The one place an upload's or an export's status changes, and the moves it may make.

Every writer of `Upload.status` and `Export.status` calls `move_upload` / `move_export`.
The move is one conditional UPDATE (`... WHERE status IN <allowed sources>`) on the caller's
connection, so it joins the caller's transaction and is safe without a row lock: of two racing
writers only the one whose move is still allowed wins, and the other gets `MoveRefused`.
Staying in the same status is always allowed (a re-run stage, a repeated request).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.pipeline import ExportStatus, UploadStatus
from orm.models import Export, Upload

U = UploadStatus
UPLOAD_MOVES: dict[UploadStatus, frozenset[UploadStatus]] = {
    U.AWAITING_UPLOAD: frozenset({U.QUEUED}),
    U.QUEUED: frozenset({U.TRANSCRIBING, U.FAILED}),
    U.TRANSCRIBING: frozenset({U.CLIPPING, U.FAILED}),
    # READY again: a reclip that failed keeps the clips it had.
    U.CLIPPING: frozenset({U.CAPTIONING, U.FAILED, U.READY}),
    U.CAPTIONING: frozenset({U.READY, U.FAILED}),
    # A re-delivered captions job on a READY upload whose clips lack captions; a reclip.
    U.READY: frozenset({U.CAPTIONING, U.CLIPPING}),
    # Retried by the user (from the start) or an operator (from the failed stage).
    U.FAILED: frozenset({U.QUEUED, U.TRANSCRIBING, U.CLIPPING, U.CAPTIONING}),
}
"""Upload status -> the statuses it may move to next."""

E = ExportStatus
EXPORT_MOVES: dict[ExportStatus, frozenset[ExportStatus]] = {
    E.QUEUED: frozenset({E.RENDERING, E.FAILED}),
    E.RENDERING: frozenset({E.READY, E.FAILED}),
    # Rendered again when its file went missing.
    E.READY: frozenset({E.RENDERING}),
    # Retried by an operator.
    E.FAILED: frozenset({E.QUEUED}),
}


class MoveRefused(Exception):
    """The table does not allow the move (or the row is gone)."""

    def __init__(self, what: str, row_id: object, current: str | None, target: str) -> None:
        where = f"is {current}" if current else "does not exist"
        super().__init__(f"{what} {row_id} {where}; it cannot become {target}")
        self.current = current
        self.target = target


def _sources(moves: dict[Any, frozenset[Any]], target: Any) -> list[Any]:
    return [target, *(s for s, nexts in moves.items() if target in nexts)]


def may_move_upload(current: UploadStatus | str, target: UploadStatus) -> bool:
    return UploadStatus(current) == target or target in UPLOAD_MOVES[UploadStatus(current)]


async def move_upload(
    upload: Upload | uuid.UUID,
    target: UploadStatus,
    *,
    error: str | None = None,
    conn: BaseDBAsyncClient | None = None,
    **fields: Any,
) -> None:
    """Set the upload's status (and `error`, cleared unless given, and other `fields`).

    With a model instance, its attributes follow the new values.
    """
    upload_id = upload.id if isinstance(upload, Upload) else upload
    values = {"status": target, "error": error, "updated_at": datetime.now(UTC), **fields}
    query = Upload.filter(id=upload_id, status__in=_sources(UPLOAD_MOVES, target))
    if conn is not None:
        query = query.using_db(conn)
    if not await query.update(**values):
        current = await _current(Upload, upload_id, conn)
        raise MoveRefused("upload", upload_id, current, target)
    if isinstance(upload, Upload):
        for name, value in values.items():
            setattr(upload, name, value)


async def move_export(
    export: Export | uuid.UUID,
    target: ExportStatus,
    *,
    error: str | None = None,
    conn: BaseDBAsyncClient | None = None,
    **fields: Any,
) -> None:
    """Set the export's status (and `error`, cleared unless given, and other `fields`)."""
    export_id = export.id if isinstance(export, Export) else export
    values = {"status": target, "error": error, "updated_at": datetime.now(UTC), **fields}
    query = Export.filter(id=export_id, status__in=_sources(EXPORT_MOVES, target))
    if conn is not None:
        query = query.using_db(conn)
    if not await query.update(**values):
        current = await _current(Export, export_id, conn)
        raise MoveRefused("export", export_id, current, target)
    if isinstance(export, Export):
        for name, value in values.items():
            setattr(export, name, value)


async def _current(
    model: type[Upload] | type[Export], row_id: uuid.UUID, conn: BaseDBAsyncClient | None
) -> str | None:
    query = model.filter(id=row_id)
    if conn is not None:
        query = query.using_db(conn)
    rows = await query.limit(1).values_list("status", flat=True)
    return str(rows[0]) if rows else None
