"""`clipforge deadletters list|retry|purge` against the test database and Redis."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from orm.models import DeadLetter, Upload
from orm.models.enums import UploadStatus
from tests.ops.helpers import charged_upload
from tests.ops.test_admin_api import dead_letter_for

pytestmark = pytest.mark.usefixtures("db")
ROOT = Path(__file__).resolve().parents[2]


async def clipforge(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "CLIPFORGE_DATABASE_URL": settings.database_url or "",
        "CLIPFORGE_REDIS_URL": settings.redis_url or "",
        "CLIPFORGE_VAR_DIR": str(settings.var_dir),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode()


async def test_list_retry_and_purge_from_the_shell(settings: Settings, redis: Any) -> None:
    await DeadLetter.all().delete()
    _, first = await charged_upload()
    _, second = await charged_upload()
    clip = await dead_letter_for("clip", str(first.id), "Could not cut.")
    captions = await dead_letter_for("captions", str(second.id), "No captions.")

    code, out = await clipforge(settings, "deadletters", "list")
    assert code == 0, out
    assert str(clip.id) in out and str(captions.id) in out and "2 shown" in out

    code, out = await clipforge(settings, "deadletters", "retry", str(clip.id))
    assert code == 0, out
    assert (await Upload.get(id=first.id)).status == UploadStatus.CLIPPING
    assert await redis.llen("clip_dead") == 0

    code, out = await clipforge(settings, "deadletters", "purge", "--queue", "captions", "--yes")
    assert (code, out.strip().splitlines()[-1]) == (0, "purged 1 dead letters")
    assert await DeadLetter.all().count() == 0
    assert (await Upload.get(id=second.id)).status == UploadStatus.FAILED

    code, out = await clipforge(settings, "deadletters", "purge", "--queue", "nope", "--yes")
    assert code != 0 and "Traceback" not in out
