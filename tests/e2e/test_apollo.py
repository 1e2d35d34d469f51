"""A real Apollo Client (Node, @apollo/client + graphql-ws) signs up, subscribes to
pipelineEvents and sees an upload's stages live, in order; another user's socket sees none."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from pathlib import Path
from typing import Any

from core.events import PipelineEvent, publish
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


class NodeClient:
    """The Node script as a subprocess speaking JSON lines."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []

    async def next_line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        assert raw, f"the Node client ended early: {self.lines}"
        line: dict[str, Any] = json.loads(raw)
        self.lines.append(line)
        return line

    async def next_of(self, kind: str) -> dict[str, Any]:
        while (line := await self.next_line())["kind"] != kind:
            assert line["kind"] != "error", line
        return line

    async def sign_in(self) -> uuid.UUID:
        line = await self.next_of("signedIn")
        type_name, raw = base64.urlsafe_b64decode(line["userId"] + "==").decode().split(":", 1)
        assert type_name == "User"
        return uuid.UUID(raw)

    async def watch(self, upload_id: str = "") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{upload_id}\n".encode())
        await self.proc.stdin.drain()

    async def finish(self) -> list[dict[str, Any]]:
        rest, _ = await asyncio.wait_for(self.proc.communicate(), 60)
        self.lines += [json.loads(x) for x in rest.decode().splitlines() if x.strip()]
        assert self.proc.returncode == 0, self.lines
        return self.lines

    def events(self) -> list[dict[str, Any]]:
        return [line["event"] for line in self.lines if line["kind"] == "event"]


async def start_node(script: Path, server: Server, expect: int = 0) -> NodeClient:
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(script),
        cwd=script.parent,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={
            **os.environ,
            "CLIPFORGE_HTTP_URL": f"http://127.0.0.1:{server.port}/graphql",
            "CLIPFORGE_WS_URL": server.url,
            "CLIPFORGE_EMAIL": f"apollo-{uuid.uuid4().hex[:8]}@example.com",
            "CLIPFORGE_PASSWORD": "correct horse battery staple",
            "CLIPFORGE_EXPECT": str(expect),
        },
    )
    return NodeClient(proc)


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
        assert await publish(creator_id, PipelineEvent(str(upload.id), stage, status, progress))

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
