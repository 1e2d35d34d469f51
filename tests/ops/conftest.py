"""Operations test fixtures: child processes that are always stopped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ops.processes import Proc


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Append every Proc a test starts; each is stopped (if still running) afterwards."""
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.stop()


@pytest.fixture
async def no_leftover_work(db: None) -> None:
    """Fail the working uploads and exports earlier tests left in the shared database, so a
    worker's reconciler does not fill the slots a test counts with their jobs."""
    from core.pipeline import WORKING_EXPORT_STATUSES, WORKING_UPLOAD_STATUSES
    from orm.models import Export, Upload
    from orm.models.enums import ExportStatus, UploadStatus

    await Upload.filter(status__in=list(WORKING_UPLOAD_STATUSES)).update(status=UploadStatus.FAILED)
    await Export.filter(status__in=list(WORKING_EXPORT_STATUSES)).update(status=ExportStatus.FAILED)
