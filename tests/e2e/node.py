"""The Node Apollo client as a subprocess that speaks JSON lines (see subscribe.mjs)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from pathlib import Path
from typing import Any

from tests.events.conftest import Server


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
