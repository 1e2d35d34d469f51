"""Malformed input answers a coded client error, never a 500 or an exception's text (issue 15,
finding 5). Malformed cursors are covered by tests/test_error_codes.py."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

JSON = {"Content-Type": "application/json"}
API_KEY = """mutation($i: CreateApiKeyInput!) {
  createApiKey(input: $i) { secret errors { code field message } }
}"""


def refused(resp: httpx.Response, field: str | None = None) -> dict[str, Any]:
    """A 400 with one coded GraphQL error; returns the error."""
    assert resp.status_code == 400, (resp.status_code, resp.text)
    errors = resp.json()["errors"]
    assert len(errors) == 1 and errors[0]["extensions"]["code"] == "BAD_REQUEST", errors
    assert errors[0]["extensions"].get("field") == field
    error: dict[str, Any] = errors[0]
    return error


@pytest.mark.parametrize(
    "body",
    [
        b'"a string"',
        b"42",
        b"null",
        b"true",
        b'[{"query": "{ __typename }"}]',
        b'{"query": "{ __typename }"',
        b'{"query": "\xff\xfe"}',
        b"",
        b'{"query": "query($v: String) { __typename }", "variables": {"v": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}}",
        b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * 100 + b"]" * 100 + b"}}",
    ],
    ids=[
        "string",
        "number",
        "null",
        "boolean",
        "batch",
        "truncated",
        "not utf-8",
        "empty",
        "5000 arrays deep",
        "100 arrays deep",
    ],
)
async def test_bodies_that_are_no_request_answer_400(
    client: httpx.AsyncClient, body: bytes
) -> None:
    refused(await client.post("/graphql", content=body, headers=JSON))


async def test_a_body_without_a_query_names_it(client: httpx.AsyncClient) -> None:
    refused(await client.post("/graphql", json={"variables": {}}), "query")


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("query", 5),
        ("variables", "x"),
        ("variables", [1]),
        ("operationName", {}),
        ("extensions", 1),
    ],
)
async def test_members_of_the_wrong_type_name_the_field(
    client: httpx.AsyncClient, member: str, value: Any
) -> None:
    body = {"query": "{ __typename }", member: value}
    refused(await client.post("/graphql", json=body), member)


async def test_get_with_variables_that_are_no_object(client: httpx.AsyncClient) -> None:
    for variables, field in (("not json", None), ("[1]", "variables"), ("[" * 3000, None)):
        params = {"query": "{ __typename }", "variables": variables}
        refused(await client.get("/graphql", params=params), field)
    ok = await client.get("/graphql", params={"query": "{ __typename }", "variables": "{}"})
    assert ok.status_code == 200 and ok.json()["data"] == {"__typename": "Query"}


async def test_a_missing_fragment_is_a_coded_validation_error(gql: Any) -> None:
    body = await gql("query { ...Missing }", expect_errors=True)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unknown fragment 'Missing'."]
    assert body["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("query { ", "BAD_REQUEST", None),
        ("query { notAField }", "BAD_REQUEST", None),
        ("query($n: Int) { uploads(first: $n) { edges { cursor } } }", "INVALID_INPUT", "n"),
        ("query($id: ID!) { upload(id: $id) { id } }", "INVALID_INPUT", "id"),
    ],
)
async def test_every_validation_error_has_a_code(
    gql: Any, make_user: Any, query: str, code: str, field: str | None
) -> None:
    _, token = await make_user()
    variables = {"n": "many"} if "$n" in query else {}
    body = await gql(query, variables, token=token, expect_errors=True)
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == code and extensions.get("field") == field, body


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "ok\ud800"])
async def test_unstorable_text_in_variables_is_invalid_input(
    client: httpx.AsyncClient, make_user: Any, text: str
) -> None:
    _, token = await make_user()
    body = {"query": API_KEY, "variables": {"i": {"name": text, "scopes": ["READ_CLIPS"]}}}
    resp = await client.post(
        "/graphql",
        content=json.dumps(body).encode(),  # ASCII JSON: a lone surrogate travels escaped
        headers={**JSON, "Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 200
    errors = resp.json()["errors"]
    assert errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "name"}, errors


async def test_unstorable_text_in_literals_is_invalid_input(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    query = 'mutation { createApiKey(input: {name: "a\\u0000b", scopes: [READ_CLIPS]}) { secret } }'
    body = await gql(query, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "name"}
    assert body["data"] is None
