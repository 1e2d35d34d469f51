"""Benchmark 2: pipelineEvents fan-out: 1,000 sockets over 50 users, steady publishing.

Sockets live in a separate client process (bench/ws_client.py); events are published
from this process through core.events.publish, the same call the worker makes. Each
event carries its sequence number and publish time, so the client measures
publish-to-receive latency per rate step. Steps run from the lowest rate up, with a pause
between them for any backlog to drain; an event not received 10 s after publishing ended
counts as not delivered (late, or dropped: the hub drops PROGRESS events for subscribers
that fall behind, by design).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench import procs
from bench.env import BenchEnv
from bench.operations import operation
from bench.seed import seed_event_users


@dataclass
class EventsConfig:
    sockets: int = 1000
    users: int = 50
    # events published per second, one step each (each event reaches sockets/users sockets)
    rates: tuple[float, ...] = (10.0, 50.0)
    seconds: float = 10.0
    pause: float = 5.0
    profile: bool = False  # py-spy the api during an extra step at the last rate
    # what-if: the last step again on an api with fewer full GC collections
    gc_threshold: str = "50000,50,1000"
    extra: dict[str, Any] = field(default_factory=dict)


class Session:
    """One ws_client process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def open(
        cls,
        api: procs.Server,
        tokens: list[str],
        sockets: int,
        steps: list[list[Any]],
        settle: float = 120.0,
    ) -> tuple[Session, int]:
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
            "steps": steps,
            "settle": settle,
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
    from core.events import StageEvent
    from core.events import publish as bus_publish

    event = StageEvent(
        upload_id=str(upload_id),
        stage="TRANSCRIBE",
        status="PROGRESS",
        progress=0.5,
        message=f"bench|{seq}|{time.time()!r}",
    )
    await bus_publish(user_id, event)


async def steady(users: list[Any], rate: float, seconds: float, first_seq: int) -> int:
    """Publish round-robin over users at `rate` events/s; returns how many were published."""
    total = int(rate * seconds)
    t0 = time.monotonic()
    for i in range(total):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user, _, upload = users[(first_seq + i) % len(users)]
        await publish(user.id, upload.id, first_seq + i)
    return total


async def probe(api: procs.Server, users: list[Any]) -> str | None:
    """None when one socket receives published events; else why not."""
    session, _ = await Session.open(api, [users[0][1]], 1, [["probe", 0, 1 << 62]], settle=3.0)
    for i in range(3):
        await publish(users[0][0].id, users[0][2].id, -1 - i)
        await asyncio.sleep(0.1)
    got = await session.finish()
    if got["received"] > 0:
        return None
    return "; ".join(got["first_errors"]) or "subscribed, but no event arrived"


async def profile(api: procs.Server, env: BenchEnv, seconds: float) -> dict[str, Any]:
    from bench import pyspy

    if not pyspy.available():
        return {"skipped": "py-spy is not installed"}
    raw = env.var_dir / "pyspy-events.txt"
    await asyncio.sleep(min(2.0, seconds / 4))
    if not await pyspy.record(api.pid, max(1.0, seconds / 2), raw):
        return {"skipped": "py-spy could not attach"}
    return pyspy.summarize(raw)


async def what_if_gc(
    env: BenchEnv, cfg: EventsConfig, users: list[Any], plan: list[list[Any]], offset: int
) -> dict[str, Any]:
    """The same steps again, on the same api code with gc.set_threshold(...) applied at
    start (bench/api_server.py): shows how much of the tail is cyclic-GC pauses."""
    api = await procs.start_api(env, stand_in=True, BENCH_GC_THRESHOLD=cfg.gc_threshold)
    shifted = [[label, lo + offset, hi + offset, rate] for label, lo, hi, rate in plan]
    steps: dict[str, dict[str, Any]] = {}
    try:
        session, subscribed = await Session.open(
            api, [t for _, t, _ in users], cfg.sockets, [p[:3] for p in shifted]
        )
        await asyncio.sleep(2.0)
        for label, first, _, rate in shifted:
            cpu0, t0 = procs.cpu_seconds(api.pid), time.monotonic()
            published = await steady(users, rate, cfg.seconds, first)
            busy = (procs.cpu_seconds(api.pid) - cpu0) / (time.monotonic() - t0)
            steps[label] = {
                "rate": rate,
                "expected": int(published * cfg.sockets / cfg.users),
                "api_cpu_pct": round(busy * 100, 1),
            }
            await asyncio.sleep(cfg.pause)
        res = await session.finish()
    finally:
        procs.stop(api)
    for label, st in steps.items():
        got = res["steps"][label]
        st.update(delivered=got["received"], latency_ms=got["latency_ms"])
        lat = st["latency_ms"]
        print(
            f"  what-if gc.set_threshold({cfg.gc_threshold}), {label}: {st['delivered']}/"
            f"{st['expected']} delivered, p50 {lat['p50']} ms, p99 {lat['p99']} ms,"
            f" api CPU {st['api_cpu_pct']} %"
        )
    return {"gc_threshold": cfg.gc_threshold, "subscribed": subscribed, "steps": steps}


async def run(env: BenchEnv, cfg: EventsConfig | None = None) -> dict[str, Any]:
    cfg = cfg or EventsConfig()
    users = await seed_event_users(cfg.users)
    tokens = [t for _, t, _ in users]
    per_user = cfg.sockets / cfg.users
    plan, seq = [], 0
    for rate in cfg.rates:
        n = int(rate * cfg.seconds)
        plan.append([f"{rate:g}/s", seq, seq + n, rate])
        seq += n
    api = await procs.start_api(env)
    steps: dict[str, dict[str, Any]] = {}
    steps_profile: dict[str, Any] | None = None
    try:
        why = await probe(api, users)
        if why is not None:
            print(f"  pipelineEvents: not available yet ({why[:200]})")
            return {"available": False, "reason": f"pipelineEvents: {why}"[:500]}
        rss_before = api.rss()
        session, subscribed = await Session.open(api, tokens, cfg.sockets, [p[:3] for p in plan])
        await asyncio.sleep(2.0)
        rss_idle = api.rss()
        for label, first, _, rate in plan:
            cpu0, t0 = procs.cpu_seconds(api.pid), time.monotonic()
            ccpu0 = procs.cpu_seconds(session.proc.pid)
            published = await steady(users, rate, cfg.seconds, first)
            took = time.monotonic() - t0
            busy = (procs.cpu_seconds(api.pid) - cpu0) / took
            client_busy = (procs.cpu_seconds(session.proc.pid) - ccpu0) / took
            steps[label] = {
                "rate": rate,
                "published": published,
                "expected": int(published * per_user),
                "api_cpu_pct": round(busy * 100, 1),
                "client_cpu_pct": round(client_busy * 100, 1),
            }
            await asyncio.sleep(cfg.pause)
        if cfg.profile:
            # An extra, unmeasured step at the last rate with py-spy attached (py-spy's own
            # CPU use would otherwise disturb a measured step on two cores).
            label, _, _, rate = plan[-1]
            spy = asyncio.create_task(profile(api, env, cfg.seconds))
            await steady(users, rate, cfg.seconds, seq + 10_000)
            steps_profile = await spy
        res = await session.finish()
    finally:
        procs.stop(api)
    for label, got in res["steps"].items():
        st = steps[label]
        st.update(
            delivered=got["received"],
            delivered_per_second=round(got["received"] / cfg.seconds, 1),
            undelivered=max(0, st["expected"] - got["received"]),
            latency_ms=got["latency_ms"],
        )
        if got["received"]:
            st["api_cpu_ms_per_delivery"] = round(
                st["api_cpu_pct"] * 10 * cfg.seconds / got["received"], 3
            )
        lat = st["latency_ms"]
        print(
            f"  {subscribed}/{cfg.sockets} sockets, {st['published']} events at {label}:"
            f" {st['delivered']}/{st['expected']} delivered, p50 {lat['p50']} ms,"
            f" p99 {lat['p99']} ms, api CPU {st['api_cpu_pct']} %,"
            f" client CPU {st['client_cpu_pct']} %"
        )
    head = steps[plan[-1][0]]
    out = {
        "available": True,
        "api_launcher": api.note or "clipforge serve",
        "sockets": cfg.sockets,
        "users": cfg.users,
        "subscribed": subscribed,
        "seconds_per_step": cfg.seconds,
        "steps": steps,
        "profile": steps_profile,
        # the headline is the highest rate (one event per user per second at 50/s)
        "publish_rate": head["rate"],
        "latency_ms": head["latency_ms"],
        "delivered": head["delivered"],
        "expected": head["expected"],
        "delivered_per_second": head["delivered_per_second"],
        "other_events": res["other_events"],
        "errors": res["errors"],
        "first_errors": res["first_errors"],
        "connect_seconds": res["connect_seconds"],
        "ready_seconds": res["ready_seconds"],
        "confirmed_live": res["confirmed_live"],
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_idle_mb": round(rss_idle / 2**20, 1),
        "rss_per_socket_kb": round((rss_idle - rss_before) / max(1, subscribed) / 1024, 1),
    }
    print(f"  api memory per idle socket: {out['rss_per_socket_kb']} KB")
    if cfg.gc_threshold:
        out["what_if_gc"] = await what_if_gc(env, cfg, users, plan, seq + 20_000)
    return out
