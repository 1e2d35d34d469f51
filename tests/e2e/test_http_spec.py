"""GraphQL over HTTP: the graphql-http package's audit of a running server (uvicorn on
127.0.0.1) passes every MUST and SHOULD item, and each media type keeps its status codes."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import httpx

from tests.events.conftest import Server

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def run_audit(script: Path, url: str) -> list[dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(script),
        cwd=script.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CLIPFORGE_HTTP_URL": url},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


async def test_every_must_and_should_item_of_the_audit_passes(
    e2e_server: Server, node_client: Path, redis: Any
) -> None:
    url = f"http://127.0.0.1:{e2e_server.port}/graphql"
    rows = await run_audit(node_client.parent / "audit.mjs", url)
    must = [r for r in rows if r["name"].startswith("MUST")]
    should = [r for r in rows if r["name"].startswith("SHOULD")]
    assert len(must) >= 13 and len(should) >= 23  # the audit as of graphql-http 1.23
    failing = [f"{r['id']} {r['name']}: {r['reason']}" for r in must + should]
    failing = [line for line, r in zip(failing, must + should, strict=True) if r["status"] != "ok"]
    assert failing == []


async def test_status_codes_per_media_type(e2e_server: Server, redis: Any) -> None:
    base = f"http://127.0.0.1:{e2e_server.port}"
    bad = {"query": "{ noSuchField }"}
    async with httpx.AsyncClient(base_url=base) as http:
        # application/json (and Apollo Client 3's */*): 200 with the errors, as before.
        for accept in ("application/json", "*/*"):
            resp = await http.post("/graphql", json=bad, headers={"Accept": accept})
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("application/json")
            assert resp.json()["data"] is None and resp.json()["errors"]
        # graphql-response+json (Apollo Client 4 prefers it): 400, no data entry.
        accept = f"{GRAPHQL_RESPONSE},application/json;q=0.9"
        resp = await http.post("/graphql", json=bad, headers={"Accept": accept})
        assert resp.status_code == 400
        assert resp.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in resp.json() and resp.json()["errors"]
        assert "Accept" in resp.headers["vary"]
        # A field error during execution is not a request error: 200 with data.
        resp = await http.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Accept": GRAPHQL_RESPONSE}
        )
        assert resp.status_code == 200
        body = resp.json()
        assert "data" in body and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # Variables that do not coerce never execute: 400 under the new media type.
        resp = await http.post(
            "/graphql",
            json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
            headers={"Accept": GRAPHQL_RESPONSE},
        )
        assert resp.status_code == 400 and "data" not in resp.json()
