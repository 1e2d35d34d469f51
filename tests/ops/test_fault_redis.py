"""Fault: Redis restarted while jobs run and a subscription is open; work resumes, none lost."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import RedisSettings, create_pool

from core.config import Settings
from core.embedded import free_port
from jobs.serialization import deserialize, serialize
from orm.models import Upload
from orm.models.enums import UploadStatus
from tests.credits.helpers import create_upload
from tests.events.conftest import TRANSPORT, WS
from tests.factories import create_user
from tests.ops.processes import (
    Proc,
    RedisServer,
    classify,
    service_env,
    short_timeouts,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("db")
SUBSCRIPTION = "subscription { pipelineEvents { uploadId stage status } }"


async def ready_count(ids: list[Any]) -> int:
    return await Upload.filter(id__in=ids, status=UploadStatus.READY).count()


async def test_redis_restart_under_jobs_and_a_subscription(
    settings: Settings, procs: list[Proc], tmp_path: Path
) -> None:
    from websockets.asyncio.client import connect

    redis = RedisServer(tmp_path / "redis", free_port())
    redis.start()
    try:
        api_port = free_port()
        env = service_env(
            settings,
            CLIPFORGE_REDIS_URL=redis.url,
            CLIPFORGE_JOB_TIMEOUTS=short_timeouts(4),
            CLIPFORGE_WORKER_MAX_JOBS="2",
        )
        api = Proc(["serve", "--port", str(api_port)], env, tmp_path / "api.log")
        worker = Proc(["worker"], env, tmp_path / "worker.log")
        procs += [api, worker]
        base = f"http://127.0.0.1:{api_port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:

            async def api_up() -> bool:
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(api_up, within=90)
            user, token = await create_user()
            uploads = [await create_upload(user, status=UploadStatus.QUEUED) for _ in range(8)]
            ids = [u.id for u in uploads]

            conn = await connect(f"ws://127.0.0.1:{api_port}/graphql", subprotocols=[TRANSPORT])
            ws = WS(conn)  # type: ignore[arg-type]
            assert (await ws.init(token))["type"] == "connection_ack"
            await ws.subscribe("1", query=SUBSCRIPTION)
            received: list[tuple[float, dict[str, Any]]] = []

            async def read() -> None:
                while True:
                    message = await ws.recv_data(wait=300)
                    if message.get("type") == "next":
                        event = message["payload"]["data"]["pipelineEvents"]
                        received.append((time.monotonic(), event))

            reader = asyncio.create_task(read())

            pool = await create_pool(
                RedisSettings.from_dsn(redis.url),
                job_serializer=serialize,
                job_deserializer=deserialize,
            )
            for upload_id in ids:
                await pool.enqueue_job("ops_finish", str(upload_id), 1.5)
            await pool.aclose()

            await wait_until(lambda: ready_count(ids), within=60)  # work is under way
            redis.stop()
            # During the outage the api answers at once: a result, or SERVICE_UNAVAILABLE.
            during = await http.post(
                "/graphql",
                json={"query": "{ me { id } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert classify(during) in ("ok", "SERVICE_UNAVAILABLE"), during.text
            await asyncio.sleep(3.0)  # an outage, not a blip
            redis.start()
            restarted = time.monotonic()

            try:
                await wait_until(lambda: _all_ready(ids), within=120)
                assert not reader.done(), f"the subscription ended: {reader}"
                # The hub re-subscribed: events published after the restart reach the socket.
                await wait_until(lambda: _after(received, restarted), within=30)
            except AssertionError as exc:
                logs = f"api:\n{api.output()[-3000:]}\nworker:\n{worker.output()[-3000:]}"
                raise AssertionError(f"{exc}; ready {await ready_count(ids)}\n{logs}") from exc
            body = await http.post(
                "/graphql",
                json={"query": "{ me { id } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert body.json()["data"]["me"]["id"]
            reader.cancel()
            await ws.close()
        assert worker.proc.poll() is None, "the worker rides out the restart (same process)"
    finally:
        redis.stop()


async def _all_ready(ids: list[Any]) -> bool:
    return await ready_count(ids) == len(ids)


async def _after(received: list[tuple[float, dict[str, Any]]], since: float) -> bool:
    return any(at > since and e["status"] == "COMPLETED" for at, e in received)
