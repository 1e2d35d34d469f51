"""Persisted queries and trusted documents over HTTP and WebSocket (the Apollo end-to-end
runs are in tests/e2e/test_persisted_queries.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from core.config import get_settings
from graphql_api.trusted_documents import add_typename, build_manifest, sha256
from tests.events.conftest import TRANSPORT, WS, start_server, ws_settings

ROOT = Path(__file__).resolve().parent
CONTRACT = ROOT / "contract" / "operations.graphql"
TYPENAME = "query Q { __typename }"


def apq(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_hash_only_requests_resolve_once_learnt(client: httpx.AsyncClient) -> None:
    digest = sha256(TYPENAME)
    params = {"extensions": json.dumps(apq(digest))}
    unknown = await client.get("/graphql", params=params, headers={"Accept": "application/json"})
    assert unknown.status_code == 200 and code(unknown.json()) == "PERSISTED_QUERY_NOT_FOUND"
    learnt = await client.post("/graphql", json={"query": TYPENAME, "extensions": apq(digest)})
    assert learnt.json() == {"data": {"__typename": "Query"}}
    hit = await client.get("/graphql", params=params, headers={"Accept": "application/json"})
    assert hit.json() == {"data": {"__typename": "Query"}}


async def test_only_a_signed_in_client_s_documents_reach_redis(
    client: httpx.AsyncClient, redis: Any, make_user: Any
) -> None:
    anonymous = "query Anon { __typename }"
    await client.post("/graphql", json={"query": anonymous, "extensions": apq(sha256(anonymous))})
    assert await redis.keys("apq:*") == []  # kept by this process only
    _, token = await make_user()
    mine = "query Mine { me { id } }"
    await client.post(
        "/graphql",
        json={"query": mine, "extensions": apq(sha256(mine))},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert await redis.keys("apq:*") == [f"apq:{sha256(mine)}".encode()]
    assert 0 < await redis.ttl(f"apq:{sha256(mine)}") <= 7 * 24 * 3600


async def test_a_wrong_hash_or_an_invalid_document_is_never_stored(
    client: httpx.AsyncClient, redis: Any
) -> None:
    wrong = await client.post("/graphql", json={"query": TYPENAME, "extensions": apq("0" * 64)})
    assert code(wrong.json()) == "INVALID_PERSISTED_QUERY"
    bad = "query Bad { noSuchField }"
    refused = await client.post("/graphql", json={"query": bad, "extensions": apq(sha256(bad))})
    assert refused.json()["data"] is None
    assert await redis.keys("apq:*") == []
    malformed = await client.post(
        "/graphql", json={"query": TYPENAME, "extensions": {"persistedQuery": {"version": 2}}}
    )
    assert code(malformed.json()) == "INVALID_PERSISTED_QUERY"


async def test_a_mutation_cannot_run_by_get(client: httpx.AsyncClient, redis: Any) -> None:
    mutation = "mutation Out { logOut { ok } }"
    digest = sha256(mutation)
    await client.post("/graphql", json={"query": mutation, "extensions": apq(digest)})
    resp = await client.get(
        "/graphql",
        params={"extensions": json.dumps(apq(digest))},
        headers={"Accept": "application/json"},
    )
    assert resp.status_code in (400, 405)


async def test_persisted_queries_can_be_switched_off(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "persisted_queries", False)
    resp = await client.post("/graphql", json={"query": TYPENAME, "extensions": apq("0" * 64)})
    assert code(resp.json()) == "PERSISTED_QUERY_NOT_SUPPORTED"  # Apollo stops hashing


def test_the_manifest_lists_each_operation_as_written_and_as_apollo_sends_it() -> None:
    manifest = build_manifest(CONTRACT.read_text())
    names = [o["name"] for o in manifest["operations"]]
    assert names.count("UploadDetail") == 2 and names.count("Me") == 2
    assert all(o["id"] == sha256(o["body"]) for o in manifest["operations"])
    detail = [o["body"] for o in manifest["operations"] if o["name"] == "UploadDetail"]
    assert "__typename" not in detail[0] and "__typename" in detail[1]
    assert "fragment ClipFields on Clip" in detail[0]  # the fragments it uses travel with it


def test_add_typename_leaves_operation_roots_and_introspection_alone() -> None:
    from graphql import parse, print_ast

    doc = add_typename(parse("{ me { id credits { minutesRemaining } } node { __typename } }"))
    assert print_ast(doc) == print_ast(
        parse(
            "{ me { id credits { minutesRemaining __typename } __typename }"
            " node { __typename } }"
        )
    )


@pytest.fixture
def trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps(build_manifest(CONTRACT.read_text())))
    monkeypatch.setattr(get_settings(), "trusted_documents", manifest)
    return manifest


async def test_trusted_mode_refuses_unlisted_text_over_http(
    client: httpx.AsyncClient, trusted: Path, make_user: Any
) -> None:
    _, token = await make_user()
    headers = {"Authorization": f"Bearer {token}"}
    listed = build_manifest(CONTRACT.read_text(), apollo=False)
    me = next(o["body"] for o in listed["operations"] if o["name"] == "Me")
    assert (await client.post("/graphql", json={"query": me}, headers=headers)).json()["data"]
    resp = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
    assert code(resp.json()) == "PERSISTED_QUERY_NOT_IN_LIST"
    # Nothing new is learnt by hash either.
    other = "{ __typename }"
    resp = await client.post("/graphql", json={"query": other, "extensions": apq(sha256(other))})
    assert code(resp.json()) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_trusted_mode_holds_on_websockets(
    db: None, settings: Any, trusted: Path, make_user: Any, redis: Any
) -> None:
    _, token = await make_user()
    server = await start_server(ws_settings(settings))
    try:
        async with connect(server.url, subprotocols=[TRANSPORT]) as conn:  # type: ignore[list-item]
            ws = WS(conn)
            assert (await ws.init(token))["type"] == "connection_ack"
            await ws.subscribe("1", query="subscription { pipelineEvents { uploadId } }")
            message = await ws.recv_data()
    finally:
        await server.stop()
    assert message["type"] == "error" and message["id"] == "1"
    assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"


def test_a_broken_manifest_stops_the_api_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from graphql_api.app import create_app
    from graphql_api.trusted_documents import ManifestError

    broken = tmp_path / "broken.json"
    broken.write_text('{"operations": []}')
    monkeypatch.setattr(get_settings(), "trusted_documents", broken)
    with pytest.raises(ManifestError):
        create_app(settings, manage_connections=False)
