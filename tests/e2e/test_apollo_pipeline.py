"""A real pipeline run watched by a real Apollo Client: a spoken test video goes through
transcribe, clip and captions in an arq worker while the Node client prints what it sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from arq.worker import Worker

from orm.models.enums import UploadStatus
from tests.e2e.node import start_node
from tests.events.conftest import Server, until
from tests.factories import gid
from tests.media.fixtures_media import make_talk
from tests.pipeline.conftest import Talk, clip_count, make_upload

SENTENCES = (
    "What would you do with three extra hours every week?",
    "Most people waste them scrolling, and that is a real shame.",
    "Start with one small habit today and keep it for a month.",
)
ORDER = ["TRANSCRIBE", "CLIP", "CAPTIONS"]


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> Talk:
    video, onsets = make_talk(tmp_path_factory.mktemp("e2e-talk"), SENTENCES, silence=0.8)
    return Talk(video=Path(video), onsets=onsets, sentences=SENTENCES)


async def test_apollo_client_watches_a_real_pipeline_run(
    e2e_server: Server, node_client: Path, talk: Talk, redis: Any
) -> None:
    from jobs.schedule import start
    from jobs.worker import worker_settings
    from orm.models import User

    hub = e2e_server.hub
    creator = await start_node(node_client, e2e_server)
    spy = await start_node(node_client, e2e_server)
    creator_id, spy_id = await creator.sign_in(), await spy.sign_in()
    upload = await make_upload(await User.get(id=creator_id), talk)
    await creator.watch(gid("Upload", upload.id))
    await spy.watch()
    await until(lambda: hub.is_live(str(creator_id)) and hub.is_live(str(spy_id)), "both", 60)
    replayed = (await creator.next_of("event"))["event"]
    assert replayed["replay"] is True and replayed["status"] == "STARTED"  # queued

    assert await start("transcribe", upload.id)
    options = worker_settings()
    options.update(
        on_startup=None, on_shutdown=None, handle_signals=False, burst=True, cron_jobs=None
    )
    worker = Worker(**options)
    try:
        with clip_count(1):
            await worker.main()
    finally:
        await worker.close()
    await upload.refresh_from_db()
    assert upload.status == UploadStatus.READY

    # The client sees the run through to the end: CAPTIONS COMPLETED.
    while True:
        event = (await creator.next_of("event"))["event"]
        if (event["stage"], event["status"]) == ("CAPTIONS", "COMPLETED"):
            break
    creator.proc.terminate()
    await creator.finish()
    live = [e for e in creator.events() if not e["replay"]]
    assert [e["seq"] for e in live] == list(range(1, len(live) + 1)), "missed or reordered"
    stages = [e["stage"] for e in live]
    assert stages == sorted(stages, key=ORDER.index), f"stages out of order: {stages}"
    for stage in ORDER:
        statuses = [e["status"] for e in live if e["stage"] == stage]
        assert statuses[0] == "STARTED" and statuses[-1] == "COMPLETED", (stage, statuses)
        progress = [e["progress"] for e in live if e["stage"] == stage]
        assert progress == sorted(progress), (stage, progress)
    assert {e["uploadId"] for e in live} == {gid("Upload", upload.id)}

    spy.proc.terminate()
    await spy.finish()
    assert spy.events() == [], "another user's socket received events"
