"""The live-event load client, run as its own process: `python -m bench.ws_client`.

Reads a JSON spec on stdin, opens the sockets (graphql-transport-ws), subscribes each to
pipelineEvents, prints `READY <subscribed> <failed>`, records publish-to-receive latency
of every event until stdin says `STOP`, then prints one JSON line with the figures.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.stats import summary_ms

PROTOCOL = "graphql-transport-ws"


def stamp(event: dict[str, Any]) -> tuple[int, float] | None:
    """The publisher puts `bench|<seq>|<epoch>` in message; other events (the state
    replayed on subscribe) are not the benchmark's and are only counted."""
    msg = event.get("message") or ""
    if msg.startswith("bench|"):
        _, seq, at = msg.split("|")
        return int(seq), float(at)
    return None


class Client:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.latencies: list[tuple[int, float]] = []
        self.errors: list[str] = []
        self.other_events = 0
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.first_message: list[asyncio.Event] = []

    async def open_one(self, token: str) -> ClientConnection | None:
        auth = f"Bearer {token}"
        try:
            ws = await connect(
                self.spec["url"],
                subprotocols=[PROTOCOL],  # type: ignore[list-item]
                additional_headers={"Authorization": auth},
                open_timeout=60,
                ping_interval=None,
                max_size=2**22,
            )
            payload = {"Authorization": auth, "authorization": auth, "token": token}
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if ack.get("type") != "connection_ack":
                self.errors.append(f"no ack: {ack}"[:300])
                await ws.close()
                return None
            sub = {"query": self.spec["document"], "variables": {}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": sub}))
            return ws
        except Exception as exc:  # noqa: BLE001 - every failure is a figure, not a crash
            self.errors.append(repr(exc)[:300])
            return None

    async def read(self, ws: ClientConnection, first: asyncio.Event) -> None:
        try:
            async for raw in ws:
                now = time.time()
                msg = json.loads(raw)
                kind = msg.get("type")
                if kind in ("next", "error", "complete"):
                    first.set()
                if kind == "next":
                    payload = msg.get("payload", {})
                    if payload.get("errors"):
                        self.errors.append(str(payload["errors"])[:300])
                        continue
                    event = (payload.get("data") or {}).get("pipelineEvents") or {}
                    st = stamp(event)
                    if st is not None:
                        self.latencies.append((st[0], now - st[1]))
                    else:
                        self.other_events += 1
                elif kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif kind in ("error", "complete"):
                    self.errors.append(f"{kind}: {msg.get('payload')}"[:300])
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"socket closed: {exc!r}"[:300])

    async def open_all(self) -> float:
        tokens: list[str] = self.spec["tokens"]
        sem = asyncio.Semaphore(self.spec.get("connect_concurrency", 50))

        async def one(i: int) -> None:
            async with sem:
                ws = await self.open_one(tokens[i % len(tokens)])
            if ws is not None:
                first = asyncio.Event()
                self.sockets.append(ws)
                self.first_message.append(first)
                self.readers.append(asyncio.create_task(self.read(ws, first)))

        t0 = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(self.spec["sockets"])))
        return time.monotonic() - t0

    async def close_all(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.readers:
            task.cancel()


async def main_async() -> None:
    spec = json.loads(sys.stdin.readline())
    client = Client(spec)
    t_start = time.monotonic()
    connect_seconds = await client.open_all()
    # The server sends each new subscription the current state first: once every socket has
    # had a message, every subscription is live on the server (else wait at most `settle`).
    waits = [asyncio.create_task(e.wait()) for e in client.first_message]
    if waits:
        await asyncio.wait(waits, timeout=spec.get("settle", 60.0))
    for w in waits:
        w.cancel()
    live = sum(e.is_set() for e in client.first_message)
    ready_seconds = time.monotonic() - t_start
    print(f"READY {len(client.sockets)} {len(client.errors)}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # "STOP"
    await asyncio.sleep(spec.get("grace", 10.0))
    got = list(client.latencies)
    await client.close_all()
    steps = {}
    for label, lo, hi in spec.get("steps", [["all", -(1 << 62), 1 << 62]]):
        lat = [dt for seq, dt in got if lo <= seq < hi]
        steps[label] = {"received": len(lat), "latency_ms": summary_ms(lat)}
    print(
        json.dumps(
            {
                "subscribed": len(client.sockets),
                "received": len(got),
                "steps": steps,
                "other_events": client.other_events,
                "errors": len(client.errors),
                "first_errors": client.errors[:3],
                "connect_seconds": round(connect_seconds, 2),
                "confirmed_live": live,
                "ready_seconds": round(ready_seconds, 2),
            }
        ),
        flush=True,
    )


def main() -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
