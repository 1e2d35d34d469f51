"""Stage events for one job: STARTED, throttled PROGRESS, COMPLETED on the user's channel."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from core.events import StageEvent, publish
from core.pipeline import EventStatus, Stage

ProgressCallback = Callable[[float], Awaitable[None] | None]
MIN_STEP = 0.05  # publish progress at most every 5 % of a stage


class StageReporter:
    """Publishes one stage's events; progress is monotonic and throttled so a long
    transcription sends tens of events, not thousands."""

    def __init__(
        self,
        user_id: uuid.UUID | str,
        stage: Stage,
        *,
        upload_id: uuid.UUID | str | None = None,
        export_id: uuid.UUID | str | None = None,
        clip_id: uuid.UUID | str | None = None,
    ) -> None:
        self.user_id = user_id
        self.stage = stage
        self.upload_id = str(upload_id) if upload_id else None
        self.export_id = str(export_id) if export_id else None
        self.clip_id = str(clip_id) if clip_id else None
        self.last = 0.0
        # Progress arrives from callbacks scheduled by worker threads; one lock keeps the
        # events in order (and drops progress that arrives after COMPLETED).
        self._lock = asyncio.Lock()

    async def _send(self, status: EventStatus, progress: float, message: str | None = None) -> None:
        await publish(
            self.user_id,
            StageEvent(
                upload_id=self.upload_id,
                stage=self.stage,
                status=status,
                progress=round(progress, 4),
                message=message,
                clip_id=self.clip_id,
                export_id=self.export_id,
            ),
        )

    async def started(self, message: str | None = None) -> None:
        async with self._lock:
            self.last = 0.0
            await self._send(EventStatus.STARTED, 0.0, message)

    async def progress(self, fraction: float, message: str | None = None) -> None:
        fraction = max(0.0, min(1.0, fraction))
        async with self._lock:
            if self.last >= 1.0:
                return
            if fraction < 1.0 and fraction - self.last < MIN_STEP and message is None:
                return
            if fraction <= self.last and message is None:
                return
            self.last = max(self.last, fraction)
            await self._send(EventStatus.PROGRESS, self.last, message)

    async def completed(self, message: str | None = None) -> None:
        async with self._lock:
            self.last = 1.0
            await self._send(EventStatus.COMPLETED, 1.0, message)

    async def failed(self, message: str) -> None:
        async with self._lock:
            await self._send(EventStatus.FAILED, self.last, message)

    def within(self, lo: float, hi: float) -> ProgressCallback:
        """A callback mapping a sub-step's 0..1 onto [lo, hi] of this stage."""

        async def report(fraction: float) -> None:
            await self.progress(lo + (hi - lo) * fraction)

        return report
