"""The GraphQL endpoint on real services: answers, GraphiQL, bad input, health, ownership."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import gid


async def test_typename_and_graphiql(client: httpx.AsyncClient) -> None:
    resp = await client.post("/graphql", json={"query": "{ __typename }"})
    assert resp.status_code == 200
    assert resp.json() == {"data": {"__typename": "Query"}}
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_malformed_query_is_a_request_error(client: httpx.AsyncClient) -> None:
    # application/json responses: 200 with errors and no data (GraphQL over HTTP, legacy media type)
    resp = await client.post("/graphql", json={"query": "{ me { "})
    assert resp.status_code == 200
    body = resp.json()
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert "Traceback" not in resp.text


async def test_unknown_field_and_wrong_variable_type(client: httpx.AsyncClient) -> None:
    resp = await client.post("/graphql", json={"query": "{ nope }"})
    assert resp.status_code == 200
    assert "Cannot query field 'nope'" in resp.json()["errors"][0]["message"]
    resp = await client.post(
        "/graphql",
        json={"query": "query($id: ID!) { upload(id: $id) { id } }", "variables": {"id": [1]}},
    )
    assert resp.status_code == 200
    assert "Variable '$id'" in resp.json()["errors"][0]["message"]


async def test_mutation_over_get_is_refused(client: httpx.AsyncClient) -> None:
    resp = await client.get("/graphql", params={"query": "mutation { logOut { ok } }"})
    assert resp.status_code in (400, 405)
    assert "not allowed" in resp.text.lower()


async def test_me_requires_sign_in(gql: Any) -> None:
    body = await gql("{ me { id } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_me_and_credits(gql: Any, make_user: Any) -> None:
    user, token = await make_user(minutes=42)
    body = await gql("{ me { id email credits { minutesRemaining } } }", token=token)
    assert body["data"]["me"] == {
        "id": gid("User", user.id),
        "email": user.email,
        "credits": {"minutesRemaining": 42},
    }


async def test_bad_global_ids_read_as_null_or_coded_error(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": "%%%"}, token=token, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
    other = gid("Upload", "00000000-0000-0000-0000-000000000000")
    body = await gql("query($id: ID!) { upload(id: $id) { id } }", {"id": other}, token=token)
    assert body["data"]["upload"] is None


async def test_node_never_reaches_another_users_object(gql: Any, make_user: Any) -> None:
    alice, alice_token = await make_user()
    _, bob_token = await make_user()
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid("User", alice.id)}, token=bob_token
    )
    assert body["data"]["node"] is None
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid("User", alice.id)}, token=alice_token
    )
    assert body["data"]["node"] == {"id": gid("User", alice.id)}


async def test_healthz(client: httpx.AsyncClient) -> None:
    resp = await client.get("/healthz")
    assert resp.json() == {"status": "ok"}


async def test_readyz_names_what_is_down(client: httpx.AsyncClient, monkeypatch: Any) -> None:
    from core.embedded import free_port

    resp = await client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json()["checks"] == {
        "postgres": "ok",
        "redis": "ok",
        "storage": "ok",
        "migrations": "ok",
    }

    from core.config import get_settings

    monkeypatch.setattr(get_settings(), "redis_url", f"redis://127.0.0.1:{free_port()}/0")
    resp = await client.get("/readyz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "not ready"
    assert body["checks"]["redis"].startswith("down")
    assert body["checks"]["postgres"] == "ok" and body["checks"]["storage"] == "ok"
