"""The load client, run as its own process: `python -m bench.load < spec.json`.

A closed loop: `concurrency` clients each send a request, wait for the full response,
and send the next, for `duration` seconds or `max_requests` requests (after an unrecorded
warm-up). Requests still in flight at the end get `grace` seconds; any left then are
cancelled and counted as `unfinished`, with their elapsed time kept as a lower bound
(`censored`), so an overloaded server cannot look fast by never answering. Prints one
JSON object with the figures.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp

from bench.stats import censored_summary_ms


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    url: str = spec["url"]
    method: str = spec.get("method", "POST")
    body: bytes | None = spec["body"].encode() if spec.get("body") else None
    headers: dict[str, str] = spec.get("headers", {})
    concurrency: int = spec["concurrency"]
    duration: float = spec["duration"]
    max_requests: int = spec["max_requests"]
    warmup: float = spec.get("warmup", 1.0)
    grace: float = spec.get("grace", 5.0)
    graphql: bool = spec.get("graphql", True)

    done: list[float] = []
    errors = 0
    first_error: str | None = None
    sent = 0
    recording = False
    stop_at = 0.0
    in_flight: dict[int, float] = {}

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=spec.get("timeout", 30))
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(worker: int) -> None:
            nonlocal errors, first_error, sent
            while time.monotonic() < stop_at and (not recording or sent < max_requests):
                if recording:
                    sent += 1
                t0 = time.perf_counter()
                in_flight[worker] = t0
                ok, why = True, ""
                try:
                    async with session.request(method, url, data=body, headers=headers) as resp:
                        data = await resp.read()
                        if resp.status != 200:
                            ok, why = False, f"HTTP {resp.status}: {data[:300]!r}"
                        elif graphql and b'"errors"' in data:
                            ok, why = False, data[:300].decode(errors="replace")
                except (TimeoutError, aiohttp.ClientError) as exc:
                    ok, why = False, repr(exc)
                dt = time.perf_counter() - t0
                in_flight.pop(worker, None)
                if not recording:
                    continue
                if ok:
                    done.append(dt)
                else:
                    errors += 1
                    first_error = first_error or why

        async def phase(seconds: float) -> None:
            nonlocal stop_at
            stop_at = time.monotonic() + seconds
            tasks = [asyncio.create_task(one(i)) for i in range(concurrency)]
            _, pending = await asyncio.wait(tasks, timeout=seconds + grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        if warmup > 0:
            await phase(warmup)
            in_flight.clear()
        recording = True
        started = time.monotonic()
        await phase(duration)
        elapsed = time.monotonic() - started
        now = time.perf_counter()
        unfinished = [now - t0 for t0 in in_flight.values()]

    return {
        "concurrency": concurrency,
        "requests": len(done),
        "errors": errors,
        "unfinished": len(unfinished),
        "first_error": first_error,
        "seconds": round(elapsed, 3),
        "rps": round(len(done) / elapsed, 1) if elapsed else 0.0,
        **censored_summary_ms(done, unfinished),
    }


def main() -> None:
    spec = json.loads(sys.stdin.read())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
