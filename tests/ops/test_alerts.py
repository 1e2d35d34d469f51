"""Dead-letter alerts: one Slack-compatible POST per threshold crossing, to a local receiver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jobs.alerts import check_dead_letter_queue
from jobs.errors import PermanentError
from orm.models import DeadLetter
from resolvers.admin import SYSTEM, purge_dead_letters, retry_dead_letter
from tests.ops.helpers import Receiver, charged_upload, enqueue, make_task, overridden, run_burst

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


async def fail_clips(n: int) -> None:
    async def clip(ctx: dict[str, Any], upload_id: str) -> None:
        raise PermanentError("The video could not be cut.", detail="ffmpeg exited with 1")

    for _ in range(n):
        _, upload = await charged_upload()
        await enqueue("clip", str(upload.id))
    await run_burst([make_task("clip", clip)])


async def test_one_alert_per_crossing_and_rearmed_below(redis: Any, receiver: Receiver) -> None:
    await DeadLetter.all().delete()
    with overridden(alert_webhook_url=receiver.url, dead_letter_alert_threshold=2):
        await fail_clips(2)
        assert receiver.bodies == []  # 2 entries: not more than the threshold
        await fail_clips(1)
        assert len(receiver.bodies) == 1
        (body,) = receiver.bodies
        assert set(body) == {"text"}
        assert "clip_dead" in body["text"] and "3 jobs" in body["text"]
        assert "/admin" in body["text"] and "ffmpeg exited with 1" in body["text"]
        await fail_clips(2)
        assert len(receiver.bodies) == 1  # still above: no repeat per entry

        # An operator retries two and purges the rest: back below, so the alert re-arms.
        rows = await DeadLetter.filter(queue="clip_dead").order_by("failed_at")
        for row in rows[:2]:
            await retry_dead_letter(SYSTEM, row.id)
        await purge_dead_letters(SYSTEM)
        await redis.delete("arq:queue")  # the retried jobs are not run here
        await fail_clips(3)
        assert len(receiver.bodies) == 2
        assert "3 jobs" in receiver.bodies[1]["text"]


async def test_other_queues_are_counted_on_their_own(redis: Any, receiver: Receiver) -> None:
    with overridden(alert_webhook_url=receiver.url, dead_letter_alert_threshold=1):
        assert not await check_dead_letter_queue("export_dead", 1)
        assert await check_dead_letter_queue("export_dead", 2)
        assert await check_dead_letter_queue("captions_dead", 2)
        assert not await check_dead_letter_queue("captions_dead", 3)
    assert [b["text"].split("`")[1] for b in receiver.bodies] == ["export_dead", "captions_dead"]


async def test_unreachable_webhook_is_retried_on_the_next_dead_letter(
    redis: Any, receiver: Receiver
) -> None:
    with overridden(alert_webhook_url="http://127.0.0.1:9/nothing", dead_letter_alert_threshold=0):
        assert not await check_dead_letter_queue("transcribe_dead", 1)
    with overridden(alert_webhook_url=receiver.url, dead_letter_alert_threshold=0):
        assert await check_dead_letter_queue("transcribe_dead", 2)
    assert len(receiver.bodies) == 1
