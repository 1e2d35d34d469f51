"""The embedded default from outside, as an operator runs it: every `clipforge` command of one
var/ folder shares its servers, the queue survives a Ctrl-C of `clipforge dev` and a restart,
and the servers stop only when the last command of the folder has exited.

Both tests use one folder (each starts from whatever the other left: stopped servers on
their data), so the second also checks that a command restarts them on the same data.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from core.embedded import free_port
from core.folder_servers import (
    leave_servers,
    postgres_server,
    redis_server,
    stop_servers,
    use_servers,
)
from core.folder_servers.registry import users
from jobs.schedule import job_id as stage_job_id
from tests.media.fixtures_media import make_talk
from tests.ops.processes import Proc, wait_until
from tests.uploads.ops import COMPLETE, CREATE, DETAIL, put, upload_pk

SENTENCES = (
    "What would you do with three extra hours every week?",
    "Most people waste them scrolling, and that is a real shame.",
    "Start with one small habit today and keep it for a month.",
    "Write down what you did each evening, it takes a minute.",
    "After four weeks you will see exactly where the time went.",
    "Then cut the one thing that gives you the least back.",
)
SIGN_UP = """mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { session { accessToken } errors { code message } }
}"""
MINUTES = "query Me { me { credits { minutesRemaining } } }"
WORKING = {"QUEUED", "TRANSCRIBING", "CLIPPING", "CAPTIONING"}


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """One var/ folder for the module. Not under pytest's tmp_path: a pytest session starting
    elsewhere resets that tree to 0700, locking out the user the embedded PostgreSQL runs as."""
    root = Path(tempfile.mkdtemp(prefix="clipforge-embedded-"))
    yield root / "var"
    stop_servers(root / "var")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    video, _ = make_talk(tmp_path_factory.mktemp("embedded-talk"), SENTENCES, silence=0.8)
    return video


def folder_env(var: Path, port: int, **extra: str) -> dict[str, str]:
    """No URLs: every command uses the embedded servers of `var`."""
    return {
        "CLIPFORGE_DATABASE_URL": "",
        "CLIPFORGE_REDIS_URL": "",
        "CLIPFORGE_VAR_DIR": str(var),
        "CLIPFORGE_STORAGE_BACKEND": "local",
        "CLIPFORGE_STORAGE_DIR": str(var / "storage"),
        "CLIPFORGE_PORT": str(port),
        "CLIPFORGE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CLIPFORGE_LOG_JSON": "true",
        "CLIPFORGE_CLIP_COUNT": "1",
        "CLIPFORGE_RATE_LIMIT_PER_MINUTE": "100000",
        **extra,
    }


class Creator:
    """A client of the api: signs up, uploads, watches its uploads."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = resp.json()
        assert resp.status_code == 200 and "errors" not in body, body
        return body["data"]

    async def sign_up(self) -> None:
        email = f"creator-{free_port()}-{id(self)}@example.com"
        data = await self.gql(
            SIGN_UP, {"input": {"email": email, "password": "a long passphrase 42!"}}
        )
        assert data["signUp"]["errors"] == []
        self.token = data["signUp"]["session"]["accessToken"]

    async def upload(self, video: Path) -> str:
        """Create, send the bytes, complete: the upload is charged and QUEUED."""
        data = await asyncio.to_thread(video.read_bytes)
        created = (
            await self.gql(
                CREATE,
                {
                    "input": {
                        "filename": "talk.mp4",
                        "contentType": "video/mp4",
                        "sizeBytes": len(data),
                    }
                },
            )
        )["createUpload"]
        assert created["errors"] == [], created
        assert (await put(self.http, created["target"], data)).status_code == 200
        upload_id = str(created["upload"]["id"])
        done = (await self.gql(COMPLETE, {"id": upload_id}))["completeUpload"]
        assert done["errors"] == [] and done["upload"]["status"] == "QUEUED", done
        return upload_id

    async def status(self, upload_id: str) -> str:
        return str((await self.gql(DETAIL, {"id": upload_id}))["upload"]["status"])

    async def reaches(self, upload_id: str, status: str, within: float) -> None:
        async def there() -> bool:
            now = await self.status(upload_id)
            assert now in WORKING | {status}, f"{upload_id} is {now}, expected {status}"
            return now == status

        await wait_until(there, within=within)

    async def minutes(self) -> int:
        return int((await self.gql(MINUTES))["me"]["credits"]["minutesRemaining"])


async def api_answers(port: int) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as http:
                return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await wait_until(up, within=90)


def servers_running(var: Path) -> tuple[bool, bool]:
    return redis_server.running(var) is not None, postgres_server.running(var)


async def test_commands_of_one_folder_share_its_queue(
    folder: Path, talk: Path, procs: list[Proc], tmp_path: Path
) -> None:
    """Finding 3: `clipforge worker` in a second terminal takes the api's jobs, and
    `clipforge deadletters retry` enqueues into the queue that worker reads."""
    port = free_port()
    env = folder_env(folder, port)
    migrate = Proc(["migrate"], env, tmp_path / "migrate.log")
    assert await migrate.wait(120) == 0, migrate.output()
    assert servers_running(folder) == (False, False)  # it was the only command: it stopped them

    api = Proc(["serve"], env, tmp_path / "api.log", terminal=True)
    procs.append(api)
    await api_answers(port)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        creator = Creator(http)
        await creator.sign_up()
        upload_id = await creator.upload(talk)
        pk = upload_pk(upload_id)
        # No worker yet: the job waits in the folder's Redis. Take the original away, so the
        # only try fails and the job is dead-lettered (no retries configured).
        (original,) = (folder / "storage" / "objects" / "uploads" / str(pk)).iterdir()
        kept = shutil.copy(original, tmp_path / "original")
        original.unlink()

        worker = Proc(
            ["worker"],
            {**env, "CLIPFORGE_RETRY_TRANSCRIBE": ""},
            tmp_path / "worker.log",
            terminal=True,
        )
        procs.append(worker)
        await creator.reaches(upload_id, "FAILED", within=120)

        listed = Proc(["deadletters", "list"], env, tmp_path / "list.log")
        assert await listed.wait(60) == 0, listed.output()
        found = re.search(rf"^(\S+)\s+transcribe_dead .*upload={pk}", listed.output(), re.M)
        assert found, listed.output()
        shutil.copy(kept, original)
        retried = Proc(["deadletters", "retry", found.group(1)], env, tmp_path / "retry.log")
        assert await retried.wait(60) == 0, retried.output()
        await creator.reaches(upload_id, "READY", within=180)

    # Ctrl-C in the api's terminal: the worker still uses the servers, so they keep running.
    api.interrupt()
    assert await api.wait(60) == 0, api.output()[-3000:]
    assert servers_running(folder) == (True, True)
    assert list(users(folder / "run")) == [worker.pid]
    # Ctrl-C in the worker's terminal: the last command out stops them.
    worker.interrupt()
    assert await worker.wait(60) == 0, worker.output()[-3000:]
    assert servers_running(folder) == (False, False)


async def queued_jobs(var: Path) -> tuple[list[str], list[str]]:
    """The job ids in arq's queue and the in-progress keys, read from the folder's Redis
    (started for the look, stopped again: this test process is its only user)."""
    servers = use_servers(var, postgres=False, redis=True)
    client = aioredis.from_url(servers.redis_url or "")
    try:
        queued = [j.decode() for j in await client.zrange("arq:queue", 0, -1)]
        running = [k.decode() async for k in client.scan_iter("arq:in-progress:*")]
    finally:
        await client.aclose()
        assert leave_servers(var) == (["redis"], 0)
    return queued, running


async def test_ctrl_c_on_dev_mid_pipeline_loses_nothing(
    folder: Path, talk: Path, procs: list[Proc], tmp_path: Path
) -> None:
    """Finding 2: Ctrl-C on `clipforge dev` while one upload transcribes and another waits,
    then `clipforge dev` again in the same folder: both reach READY, each charged once."""
    port = free_port()
    env = folder_env(
        folder,
        port,
        CLIPFORGE_WORKER_MAX_JOBS="1",  # the second upload waits behind the first
        CLIPFORGE_WORKER_SHUTDOWN_GRACE_SECONDS="1",
    )
    dev = Proc(["dev"], env, tmp_path / "dev.log", terminal=True)
    procs.append(dev)
    await api_answers(port)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        creator = Creator(http)
        await creator.sign_up()
        before = await creator.minutes()
        first = await creator.upload(talk)
        await creator.reaches(first, "TRANSCRIBING", within=60)
        second = await creator.upload(talk)
        statuses = [await creator.status(first), await creator.status(second)]
        dev.interrupt()  # the terminal's Ctrl-C: SIGINT to dev's whole process group
        assert statuses == ["TRANSCRIBING", "QUEUED"], statuses
        assert await dev.wait(90) == 0, dev.output()[-3000:]
        assert "stopped the embedded Redis and PostgreSQL" in dev.output()
        assert servers_running(folder) == (False, False)

        # The running job got its grace, was cancelled and left queued; the other never
        # started. Both are in the append-only file, and neither is marked in progress.
        queued, running = await queued_jobs(folder)
        for upload_id in (first, second):
            job_id = stage_job_id("transcribe", upload_pk(upload_id))
            assert job_id in queued and f"arq:in-progress:{job_id}" not in running

        again = Proc(["dev"], folder_env(folder, port), tmp_path / "again.log", terminal=True)
        procs.append(again)
        await api_answers(port)
        await asyncio.gather(
            creator.reaches(first, "READY", within=240),
            creator.reaches(second, "READY", within=240),
        )
        assert await creator.minutes() == before - 2  # one minute each, charged once
    again.interrupt()
    assert await again.wait(90) == 0, again.output()[-3000:]
    assert servers_running(folder) == (False, False)
    starts = [
        json.loads(line.split("| ", 1)[1])
        for line in again.output().splitlines()
        if line.startswith("worker|") and '"job started"' in line
    ]
    transcribed = sorted(e["job_id"] for e in starts if e.get("job") == "transcribe")
    assert transcribed == sorted(stage_job_id("transcribe", upload_pk(u)) for u in (first, second))
