"""The charge follows the media's real length: settled when the transcribe stage starts.

completeUpload charges ffprobe's duration (with a packet count for bitrate-estimated
formats), which a crafted header can still shorten. Before anything is transcribed, the
stage decodes the original's audio (jobs.media.duration) and compares: media longer than its
charged minutes (beyond a second of codec padding) is charged the difference in one ledger
transaction (orm.ledger.charge_shortfall), or fails with INSUFFICIENT_CREDITS when the balance
cannot cover it, and media over CLIPFORGE_MAX_DURATION_SECONDS fails as too long; a failed
upload is refunded all its charges. Either way nothing is processed unpaid. Its stored
duration becomes the decoded one, so retryUpload charges what the media really costs.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import Settings
from jobs.errors import PermanentError
from jobs.media.duration import decoded_seconds
from jobs.pipeline.errors import classified
from orm import ledger
from orm.models import Upload

log = logging.getLogger("clipforge.jobs")

PADDING_SECONDS = 1.0  # encoder delay and padding: never worth a minute


async def settle_duration(upload: Upload, original: Path, settings: Settings) -> float:
    """Decode the original's audio; charge what its length lacks, or fail. Returns seconds."""
    with classified("measure the audio"):
        seconds = await decoded_seconds(original, settings=settings)
    charged = upload.duration_seconds or 0.0
    if seconds <= max(charged, ledger.minutes_for(charged) * 60) + PADDING_SECONDS:
        return seconds
    log.warning(
        "upload %s decodes to %.1f s, %.1f s were charged", upload.id, seconds, charged,
        extra={"upload_id": str(upload.id)},
    )  # fmt: skip
    await Upload.filter(id=upload.id).update(duration_seconds=seconds)
    upload.duration_seconds = seconds
    if seconds > settings.max_duration_seconds:
        hours = settings.max_duration_seconds / 3600
        raise PermanentError(
            f"This file is longer than {hours:g} hours, the most we process, so it was not "
            "processed; your minutes were refunded.",
            detail=f"TOO_LONG: decodes to {seconds:.1f} s",
        )
    needed = ledger.minutes_for(seconds)
    try:
        extra = await ledger.charge_shortfall(upload.id, needed)
    except ledger.InsufficientCredits as exc:
        raise PermanentError(
            f"This file is {needed} minutes long, more than the minutes charged when it was "
            f"completed, and your balance does not cover the {exc.needed} more it needs, so "
            "it was not processed; your minutes were refunded. Buy credits, then retry.",
            detail=f"INSUFFICIENT_CREDITS: {exc.needed} more minutes, balance {exc.balance}",
        ) from exc
    log.info("charged %s more minutes for upload %s", extra, upload.id)
    return seconds
