"""The smaller findings of issue 15 (finding 8): CORS for configured origins only, a body limit
on /graphql and the webhooks, throttled wrong passwords, no proxy trusted by default, API-key
refusals that name a real scope."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from core.config import Settings
from graphql_api.client_ip import client_ip
from tests.accounts.conftest import SIGN_UP, STRONG_PASSWORD
from tests.accounts.test_api_keys import create_key

ORIGIN = "https://app.example.com"
LOG_IN = """mutation($input: LogInInput!) {
  logIn(input: $input) { session { accessToken } errors { code field message retryAfter } }
}"""
TYPENAME = {"query": "{ __typename }"}


def _client(app: Any, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def cors_client(db: None, settings: Settings, redis: Any) -> AsyncIterator[httpx.AsyncClient]:
    from graphql_api.app import create_app

    app = create_app(
        settings.model_copy(update={"cors_origins": (ORIGIN,)}), manage_connections=False
    )
    async with _client(app) as client:
        yield client


async def test_cors_answers_preflights_for_configured_origins_only(
    cors_client: httpx.AsyncClient,
) -> None:
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    resp = await cors_client.options("/graphql", headers=preflight)
    assert resp.status_code == 200, resp.text
    assert resp.headers["access-control-allow-origin"] == ORIGIN
    allowed = resp.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "access-control-allow-credentials" not in resp.headers  # tokens, not cookies

    answer = await cors_client.post("/graphql", json=TYPENAME, headers={"Origin": ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert "x-ratelimit-remaining" in answer.headers["access-control-expose-headers"].lower()

    stranger = {**preflight, "Origin": "https://evil.example"}
    refused = await cors_client.options("/graphql", headers=stranger)
    assert "access-control-allow-origin" not in refused.headers
    other = await cors_client.post(
        "/graphql", json=TYPENAME, headers={"Origin": stranger["Origin"]}
    )
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_unless_configured(client: httpx.AsyncClient, settings: Settings) -> None:
    assert settings.cors_origins == ()
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    resp = await client.options("/graphql", headers=preflight)
    assert "access-control-allow-origin" not in resp.headers
    answer = await client.post("/graphql", json=TYPENAME, headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in answer.headers


def _too_large(resp: httpx.Response) -> None:
    assert resp.status_code == 413, resp.text
    assert resp.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_request_bodies_are_limited_on_graphql_and_webhooks(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.max_body_bytes == 1024 * 1024
    padding = "x" * (settings.max_body_bytes + 1)
    big = {"query": "{ __typename }", "variables": {"pad": padding}}
    _too_large(await client.post("/graphql", json=big))  # anonymous, and never parsed
    _too_large(await client.post("/webhooks/stripe", content=padding.encode()))

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(settings.max_body_bytes // 65536 + 1):
            yield b"y" * 65536
        yield b'"}}'

    _too_large(await client.post("/graphql", content=streamed()))
    # Just under the limit is read and answered.
    small = {"query": "{ __typename }", "variables": {"pad": "x" * 1000}}
    assert (await client.post("/graphql", json=small)).status_code == 200


async def test_the_body_limit_is_configurable(
    client: httpx.AsyncClient, override_settings: Any
) -> None:
    override_settings(max_body_bytes=200)
    assert (await client.post("/graphql", json=TYPENAME)).status_code == 200
    _too_large(await client.post("/graphql", json={**TYPENAME, "variables": {"a": "b" * 200}}))


def test_no_proxy_is_trusted_by_default(settings: Settings) -> None:
    assert Settings(_env_file=None).trusted_proxies == ()  # type: ignore[call-arg]
    assert settings.trusted_proxies == ()
    # Anything on the host (or a proxy that appends) cannot pick its client address.
    assert client_ip("127.0.0.1", "1.2.3.4") == "127.0.0.1"
    assert client_ip("::1", "1.2.3.4") == "::1"


def _email() -> str:
    return f"throttle-{uuid.uuid4().hex[:10]}@example.com"


async def _log_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    variables = {"input": {"email": email, "password": password}}
    resp = await client.post("/graphql", json={"query": LOG_IN, "variables": variables})
    payload: dict[str, Any] = resp.json()["data"]["logIn"]
    return payload


async def test_wrong_passwords_are_throttled_per_account(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    email = _email()
    variables = {"input": {"email": email, "password": STRONG_PASSWORD}}
    assert (await client.post("/graphql", json={"query": SIGN_UP, "variables": variables})).json()[
        "data"
    ]["signUp"]["errors"] == []
    for _ in range(settings.login_max_failures):
        wrong = await _log_in(client, email, "not the password at all")
        assert wrong["errors"][0]["code"] == "INVALID_CREDENTIALS"
    # Now even the right password waits: the account is throttled, with a time to retry.
    throttled = await _log_in(client, email, STRONG_PASSWORD)
    assert throttled["session"] is None
    error = throttled["errors"][0]
    assert error["code"] == "TOO_MANY_ATTEMPTS"
    assert 0 < error["retryAfter"] <= settings.login_lockout_seconds
    assert f"{error['retryAfter']} s" in error["message"]
    # Another account is not affected.
    other = _email()
    variables = {"input": {"email": other, "password": STRONG_PASSWORD}}
    await client.post("/graphql", json={"query": SIGN_UP, "variables": variables})
    assert (await _log_in(client, other, STRONG_PASSWORD))["errors"] == []


async def test_a_success_clears_the_account_count(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    email = _email()
    variables = {"input": {"email": email, "password": STRONG_PASSWORD}}
    await client.post("/graphql", json={"query": SIGN_UP, "variables": variables})
    for _ in range(3):
        for _ in range(settings.login_max_failures - 1):
            await _log_in(client, email, "wrong password here")
        assert (await _log_in(client, email, STRONG_PASSWORD))["errors"] == []


async def test_wrong_passwords_are_throttled_per_address(
    app: Any, redis: Any, settings: Settings
) -> None:
    async with _client(app, "198.51.100.20") as guesser, _client(app, "198.51.100.21") as other:
        for _ in range(settings.login_max_failures_per_address):
            wrong = await _log_in(guesser, _email(), "some guessed password")
            assert wrong["errors"][0]["code"] == "INVALID_CREDENTIALS"
        throttled = await _log_in(guesser, _email(), "yet another guess")
        assert throttled["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
        assert throttled["errors"][0]["retryAfter"] > 0
        assert (await _log_in(other, _email(), "a guess"))["errors"][0]["code"] == (
            "INVALID_CREDENTIALS"
        )


KEYS_CANNOT = "API keys cannot do that; sign in as the user."
CREATE_KEY = """mutation {
  createApiKey(input: {name: "k", scopes: [READ_CLIPS]}) { secret errors { code message } }
}"""
UPLOAD = """mutation($i: CreateUploadInput!) {
  createUpload(input: $i) { upload { id } errors { code field message } }
}"""


async def test_api_key_refusals_name_the_missing_scope(gql: Any, make_user: Any) -> None:
    from resolvers.viewer import ALL_SCOPES

    _, token = await make_user()
    key = (await create_key(gql, token, ["READ_CLIPS"]))["secret"]
    variables = {"i": {"filename": "a.mp4", "contentType": "video/mp4", "sizeBytes": 1000}}
    body = await gql(UPLOAD, variables, token=key)
    error = body["data"]["createUpload"]["errors"][0]
    assert error["code"] == "FORBIDDEN"
    assert error["message"] == "This API key lacks the WRITE_UPLOADS scope."
    minted = await gql(CREATE_KEY, token=key)
    refused = minted["data"]["createApiKey"]["errors"][0]
    assert refused == {"code": "FORBIDDEN", "message": KEYS_CANNOT}
    me = await gql("{ me { id } }", token=key, expect_errors=True)
    assert me["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    message = me["errors"][0]["message"]
    named = re.fullmatch(r"This API key lacks the (\w+) scope\.", message)
    assert message == KEYS_CANNOT or (named is not None and named[1] in ALL_SCOPES), message
