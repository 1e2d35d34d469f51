"""Query limits: depth, aliases, tokens, page size, cost; introspection; suggestions; CSRF."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.factories import gid


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def nested(depth: int) -> str:
    """clip -> upload -> clips -> edges -> node -> upload ... as deep as asked."""
    inner = "id"
    for _ in range(depth):
        inner = f"upload {{ clips(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}"
    clip = gid("Clip", uuid.uuid4())
    return f'{{ clip(id: "{clip}") {{ {inner} }} }}'


async def test_depth_attack_is_refused(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    body = await gql(nested(2), token=token)  # 10 levels
    assert body["data"] == {"clip": None}
    body = await gql(nested(3), token=token, expect_errors=True)  # 14 levels
    assert codes(body) == ["QUERY_TOO_DEEP"]
    assert body.get("data") is None


async def test_alias_attack_is_refused(gql: Any, make_user: Any, settings: Any) -> None:
    _, token = await make_user()
    ok = " ".join(f"a{i}: me {{ id }}" for i in range(settings.max_aliases))
    assert (await gql(f"{{ {ok} }}", token=token))["data"]["a0"]["id"]
    many = " ".join(f"a{i}: me {{ id }}" for i in range(settings.max_aliases + 1))
    body = await gql(f"{{ {many} }}", token=token, expect_errors=True)
    assert codes(body) == ["TOO_MANY_ALIASES"]


async def test_token_flood_is_refused(gql: Any, settings: Any) -> None:
    flood = "{ " + " ".join("__typename" for _ in range(settings.max_query_tokens)) + " }"
    body = await gql(flood, expect_errors=True)
    assert codes(body) == ["TOO_MANY_TOKENS"]


COSTED = """
query Costed($n: Int) {
  uploads(first: $n) { edges { node { id clips(first: 5) { edges { node { id } } } } } }
}"""


async def test_cost_is_reported_and_limited(
    gql: Any, make_user: Any, override_settings: Any
) -> None:
    _, token = await make_user()
    # uploads: 1 + 10 x (edges 1 + node (1 + id 1 + clips (1 + 5 x (edges 1 + node 1 + id 1))))
    body = await gql(COSTED, {"n": 10}, token=token)
    assert body["extensions"]["cost"] == {"requested": 191, "limit": 50000}
    # Absent `first`: the field's default (20) multiplies.
    body = await gql("{ uploads { edges { node { id } } } }", token=token)
    assert body["extensions"]["cost"]["requested"] == 61

    override_settings(max_query_cost=191)
    assert (await gql(COSTED, {"n": 10}, token=token))["data"]["uploads"]["edges"] == []
    override_settings(max_query_cost=190)
    refused = await gql(COSTED, {"n": 10}, token=token, expect_errors=True)
    assert refused.get("data") is None
    [error] = refused["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 191, "maxCost": 190}
    assert refused["extensions"]["cost"] == {"requested": 191, "limit": 190}


async def test_cost_attack_with_nested_pages(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    attack = (
        "{ uploads(first: 100) { edges { node { clips(first: 100) { edges { node {"
        " upload { clips(first: 100) { edges { node { id } } } } } } } } } } }"
    )
    body = await gql(attack, token=token, expect_errors=True)
    assert codes(body) == ["QUERY_TOO_COSTLY"]
    assert body["errors"][0]["extensions"]["cost"] > 1_000_000


@pytest.mark.parametrize("first", [101, -1, 100_000])
async def test_page_size_is_at_most_100_on_every_connection(
    gql: Any, make_user: Any, first: int
) -> None:
    _, token = await make_user()
    for document in (
        "query($n: Int) { uploads(first: $n) { edges { cursor } } }",
        "query($n: Int) { clips(first: $n) { edges { cursor } } }",
        "query($n: Int) { me { credits { transactions(first: $n) { edges { cursor } } } } }",
        'query($n: Int) { upload(id: "x") { clips(first: $n) { edges { cursor } } } }',
    ):
        body = await gql(document, {"n": first}, token=token, expect_errors=True)
        assert "INVALID_PAGE_SIZE" in codes(body), document
        assert body.get("data") is None
    body = await gql(
        "query($n: Int) { uploads(first: $n) { edges { cursor } } }", {"n": 100}, token=token
    )
    assert body["data"]["uploads"]["edges"] == []


async def test_introspection_can_be_switched_off(gql: Any, override_settings: Any) -> None:
    query = "{ __schema { queryType { name } } }"
    assert (await gql(query))["data"]["__schema"]["queryType"]["name"] == "Query"
    override_settings(introspection=False)
    body = await gql(query, expect_errors=True)
    assert set(codes(body)) == {"INTROSPECTION_DISABLED"} and body.get("data") is None
    assert (await gql("{ __typename }"))["data"] == {"__typename": "Query"}


async def test_errors_give_no_schema_hints(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    body = await gql("{ uplods { edges { cursor } } }", token=token, expect_errors=True)
    assert body["errors"][0]["message"] == "Cannot query field 'uplods' on type 'Query'."
    body = await gql(
        "query($s: UploadStatus) { uploads(status: $s) { edges { cursor } } }",
        {"s": "REDY"},
        token=token,
        expect_errors=True,
    )
    message = body["errors"][0]["message"]
    assert "REDY" in message and "Did you mean" not in message and "READY" not in message


async def test_csrf_safe_defaults(client: httpx.AsyncClient, settings: Any) -> None:
    """Credentials travel only in headers, and only JSON bodies are GraphQL requests, so a
    cross-site form or a simple GET cannot change anything."""
    form = await client.post(
        "/graphql", data={"query": "mutation { logOut { ok } }"}
    )  # what an HTML form can send
    assert form.status_code in (400, 415)
    text = await client.post(
        "/graphql",
        content=b'{"query": "mutation { logOut { ok } }"}',
        headers={"Content-Type": "text/plain"},
    )
    assert text.status_code in (400, 415)
    get = await client.get("/graphql", params={"query": "mutation { logOut { ok } }"})
    assert get.status_code in (400, 405)
    assert "set-cookie" not in {k.lower() for k in get.headers}


async def test_graphiql_can_be_turned_off(settings: Any, redis: Any) -> None:
    from graphql_api.app import create_app

    app = create_app(settings.model_copy(update={"graphiql": False}), manage_connections=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        page = await c.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        api = await c.post("/graphql", json={"query": "{ __typename }"})
        assert api.json() == {"data": {"__typename": "Query"}}
