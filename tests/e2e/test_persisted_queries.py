"""Automatic persisted queries and trusted documents, driven by Apollo Client's own
persisted-queries link (Node), against uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from core.config import get_settings
from graphql_api.persisted_queries import REDIS_PREFIX, STORE
from graphql_api.trusted_documents import build_manifest, sha256
from tests.events.conftest import Server

E2E = Path(__file__).resolve().parent
CONTRACT = E2E.parent / "contract" / "operations.graphql"


def contract_operation(name: str) -> str:
    """The operation (with its fragments) as the manifest prints it, before Apollo's
    __typename transform (the client adds that itself)."""
    manifest = build_manifest(CONTRACT.read_text(), apollo=False)
    return next(o["body"] for o in manifest["operations"] if o["name"] == name)


async def run_apollo(server: Server, token: str, plan: list[dict[str, Any]]) -> list[Any]:
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(E2E / "persisted.mjs"),
        cwd=E2E,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            **os.environ,
            "CLIPFORGE_HTTP_URL": f"http://127.0.0.1:{server.port}/graphql",
            "CLIPFORGE_TOKEN": token,
            "CLIPFORGE_PLAN": json.dumps(plan),
        },
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def http(lines: list[Any]) -> list[tuple[str, bool, int]]:
    return [(x["method"], x["hasQuery"], x["status"]) for x in lines if x["kind"] == "http"]


def results(lines: list[Any]) -> list[Any]:
    return [x for x in lines if x["kind"] == "result"]


async def test_apollo_sends_hashes_and_the_server_learns_them(
    e2e_server: Server, node_client: Path, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    me = {"name": "Me", "document": contract_operation("Me")}
    lines = await run_apollo(e2e_server, token, [me, me])
    # Unknown hash: a GET with no document, PERSISTED_QUERY_NOT_FOUND (400 under the
    # graphql-response+json Apollo prefers), then the document by POST; next time the
    # GET alone is enough.
    assert http(lines) == [("GET", False, 400), ("POST", True, 200), ("GET", False, 200)]
    assert [r["data"]["me"]["email"] for r in results(lines)] == [user.email, user.email]
    assert all(r["errors"] == [] for r in results(lines))
    [digest] = {x["hash"] for x in lines if x["kind"] == "http"}
    stored = await redis.get(REDIS_PREFIX + digest)
    assert stored is not None and sha256(stored.decode()) == digest

    # Another api process knows it too (the local level is empty, Redis answers).
    STORE.forget_local()
    again = await run_apollo(e2e_server, token, [me])
    assert http(again) == [("GET", False, 200)]
    assert results(again)[0]["data"]["me"]["email"] == user.email


async def test_trusted_documents_accept_only_the_listed_operations(
    e2e_server: Server,
    node_client: Path,
    make_user: Any,
    redis: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifest = tmp_path / "trusted.json"
    cli = await asyncio.create_subprocess_exec(  # the CLI makes the list from the contract
        *[sys.executable, "-m", "cli.main", "trusted-documents", str(CONTRACT)],
        *["--out", str(manifest)],
        cwd=E2E.parents[1],
        stdout=asyncio.subprocess.PIPE,
    )
    assert await cli.wait() == 0
    monkeypatch.setattr(get_settings(), "trusted_documents", manifest)
    server = e2e_server
    user, token = await make_user()
    plan = [
        {"name": "Me", "document": contract_operation("Me")},
        {"name": "Other", "document": "query Other { me { id email } }"},
    ]
    lines = await run_apollo(server, token, plan)
    me, other = results(lines)
    # Listed: the hash alone resolves from the manifest, nothing is learnt.
    assert me["data"]["me"]["email"] == user.email
    # Not listed: not found by hash, and refused with its text.
    assert [e["extensions"]["code"] for e in other["errors"]] == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert other["data"] is None
    assert http(lines) == [("GET", False, 200), ("GET", False, 400), ("POST", True, 400)]
    assert await redis.keys(REDIS_PREFIX + "*") == []
