"""Benchmark 2: pipelineEvents fan-out: 1,000 sockets over 50 users, steady publishing.

Sockets live in a separate client process (bench/ws_client.py); events are published
from this process through core.events.publish, the same call the worker makes. Each
event carries its publish time, so the client measures publish-to-receive latency.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench import procs
from bench.env import BenchEnv
from bench.operations import operation
from bench.seed import seed_event_users


@dataclass
class EventsConfig:
    sockets: int = 1000
    users: int = 50
    rate: float = 50.0  # events published per second (each reaches sockets/users sockets)
    seconds: float = 10.0


class Session:
    """One ws_client process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def open(cls, api: procs.Server, tokens: list[str], sockets: int) -> tuple[Session, int]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.ws_client",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        spec = {
            "url": api.base_url.replace("http://", "ws://") + "/graphql",
            "tokens": tokens,
            "sockets": sockets,
            "document": operation("PipelineEvents"),
        }
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((json.dumps(spec) + "\n").encode())
        await proc.stdin.drain()
        line = (await asyncio.wait_for(proc.stdout.readline(), 300)).decode()
        if not line.startswith("READY"):
            raise RuntimeError(f"ws client failed: {line!r}")
        return cls(proc), int(line.split()[1])

    async def finish(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(b"STOP\n")
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        await self.proc.wait()
        result: dict[str, Any] = json.loads(line)
        return result


async def publish(user_id: Any, upload_id: Any, seq: int) -> None:
    from core.events import PipelineEvent
    from core.events import publish as bus_publish

    event = PipelineEvent(
        upload_id=str(upload_id),
        stage="TRANSCRIBE",
        status="PROGRESS",
        progress=0.5,
        message=f"bench|{seq}|{time.time()!r}",
    )
    await bus_publish(user_id, event)


async def steady(users: list[Any], rate: float, seconds: float) -> int:
    """Publish round-robin over users at `rate` events/s; returns how many were published."""
    total = int(rate * seconds)
    t0 = time.monotonic()
    for i in range(total):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user, _, upload = users[i % len(users)]
        await publish(user.id, upload.id, i)
    return total


async def run(env: BenchEnv, cfg: EventsConfig | None = None) -> dict[str, Any]:
    cfg = cfg or EventsConfig()
    users = await seed_event_users(cfg.users)
    tokens = [t for _, t, _ in users]
    api = await procs.start_api(env)
    try:
        probe, _ = await Session.open(api, tokens[:1], 1)
        await asyncio.sleep(0.3)
        for i in range(3):
            await publish(users[0][0].id, users[0][2].id, i)
            await asyncio.sleep(0.1)
        got = await probe.finish()
        if got["received"] == 0:
            why = "; ".join(got["first_errors"]) or "subscribed, but no event arrived"
            print(f"  pipelineEvents: not available yet ({why[:200]})")
            return {"available": False, "reason": f"pipelineEvents: {why}"[:500]}

        rss_before = api.rss()
        session, subscribed = await Session.open(api, tokens, cfg.sockets)
        await asyncio.sleep(2.0)
        rss_idle = api.rss()
        published = await steady(users, cfg.rate, cfg.seconds)
        res = await session.finish()
    finally:
        procs.stop(api)
    per_user = cfg.sockets / cfg.users
    expected = int(published * per_user)
    out = {
        "available": True,
        "api_launcher": api.note or "clipforge serve",
        "sockets": cfg.sockets,
        "users": cfg.users,
        "subscribed": subscribed,
        "publish_rate": cfg.rate,
        "seconds": cfg.seconds,
        "published": published,
        "expected": expected,
        "delivered": res["received"],
        "delivered_per_second": round(res["received"] / cfg.seconds, 1),
        "other_events": res["other_events"],
        "errors": res["errors"],
        "first_errors": res["first_errors"],
        "latency_ms": res["latency_ms"],
        "connect_seconds": res["connect_seconds"],
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_idle_mb": round(rss_idle / 2**20, 1),
        "rss_per_socket_kb": round((rss_idle - rss_before) / max(1, subscribed) / 1024, 1),
    }
    lat = out["latency_ms"]
    print(
        f"  {subscribed}/{cfg.sockets} sockets, {published} events at {cfg.rate}/s:"
        f" {out['delivered']}/{expected} delivered, p50 {lat['p50']} ms, p99 {lat['p99']} ms,"
        f" {out['rss_per_socket_kb']} KB/socket"
    )
    return out
