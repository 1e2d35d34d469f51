"""A real Apollo Client (Node, @apollo/client + graphql-ws) signs up, subscribes to
pipelineEvents and sees an upload's stages live, in order; another user's socket sees none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.events import StageEvent, publish
from tests.e2e.node import start_node
from tests.events.conftest import Server, make_upload, until
from tests.factories import gid

STAGES = [
    ("TRANSCRIBE", "STARTED", 0.0),
    ("TRANSCRIBE", "PROGRESS", 0.5),
    ("TRANSCRIBE", "COMPLETED", 1.0),
    ("CLIP", "STARTED", 0.0),
    ("CLIP", "PROGRESS", 0.4),
    ("CLIP", "COMPLETED", 1.0),
    ("CAPTIONS", "STARTED", 0.0),
    ("CAPTIONS", "COMPLETED", 1.0),
]


async def test_apollo_client_sees_the_stages_live_and_in_order(
    e2e_server: Server, node_client: Path, redis: Any
) -> None:
    from orm.models import User

    hub = e2e_server.hub
    creator = await start_node(node_client, e2e_server, expect=1 + len(STAGES))
    spy = await start_node(node_client, e2e_server)
    creator_id, spy_id = await creator.sign_in(), await spy.sign_in()
    assert creator_id != spy_id

    upload = await make_upload(await User.get(id=creator_id), status="QUEUED")
    await creator.watch(gid("Upload", upload.id))
    await spy.watch()  # every upload of the spy's own account
    await until(lambda: hub.is_live(str(creator_id)) and hub.is_live(str(spy_id)), "both", 60)

    # A late joiner's first event is the current state (the upload is queued).
    current = (await creator.next_of("event"))["event"]
    assert (current["stage"], current["status"], current["replay"]) == (
        "TRANSCRIBE",
        "STARTED",
        True,
    )

    for stage, status, progress in STAGES:
        assert await publish(creator_id, StageEvent(str(upload.id), stage, status, progress))

    await creator.finish()
    live = creator.events()[1:]
    assert [(e["stage"], e["status"], e["progress"]) for e in live] == STAGES
    assert [e["seq"] for e in live] == list(range(1, len(STAGES) + 1))
    assert [e["uploadSeq"] for e in live] == list(range(1, len(STAGES) + 1))
    assert {e["uploadId"] for e in live} == {gid("Upload", upload.id)}
    assert not any(e["replay"] for e in live)

    spy.proc.terminate()
    await spy.finish()
    assert spy.events() == [], "another user's socket received events"
    assert {"kind": "connected"} in spy.lines  # it was connected the whole time
