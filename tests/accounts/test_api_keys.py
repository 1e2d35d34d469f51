"""Partner API keys: shown once, stored hashed, scoped, revocable; no account mutations."""

from __future__ import annotations

from typing import Any

from orm.models import ApiKey
from resolvers.auth.secrets import hash_secret
from tests.accounts.conftest import CREATE_API_KEY, LOG_OUT, ME
from tests.factories import gid

UPLOADS = "query { uploads(first: 5) { edges { node { id } } } }"


async def create_key(
    gql: Any, token: str, scopes: list[str], name: str = "partner"
) -> dict[str, Any]:
    body = await gql(CREATE_API_KEY, {"input": {"name": name, "scopes": scopes}}, token=token)
    payload: dict[str, Any] = body["data"]["createApiKey"]
    return payload


async def test_create_api_key_shows_the_secret_once_and_stores_its_hash(
    gql: Any, make_user: Any
) -> None:
    user, token = await make_user()
    payload = await create_key(gql, token, ["READ_CLIPS", "WRITE_UPLOADS", "READ_CLIPS"])
    assert payload["errors"] == []
    secret, key = payload["secret"], payload["apiKey"]
    assert key["name"] == "partner"
    assert sorted(key["scopes"]) == ["READ_CLIPS", "WRITE_UPLOADS"]
    assert secret.startswith(key["prefix"] + "_") and key["prefix"].startswith("cfk_")

    row = await ApiKey.get(user_id=user.id)
    assert row.secret_hash == hash_secret(secret) and secret not in row.secret_hash
    assert key["id"] == gid("ApiKey", row.id)

    listed = await gql("{ me { apiKeys { id prefix lastUsedAt } } }", token=token)
    assert listed["data"]["me"]["apiKeys"] == [
        {"id": key["id"], "prefix": key["prefix"], "lastUsedAt": None}
    ]
    assert "secret" not in str(listed)


async def test_read_scope_reads_but_cannot_touch_the_account(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    secret = (await create_key(gql, token, ["READ_CLIPS"]))["secret"]

    assert (await gql(UPLOADS, token=secret))["data"]["uploads"]["edges"] == []
    me = await gql(ME, token=secret, expect_errors=True)
    assert me["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    out = await gql(LOG_OUT, token=secret)
    assert out["data"]["logOut"]["errors"][0]["code"] == "FORBIDDEN"
    again = await create_key(gql, secret, ["READ_CLIPS"], "again")
    assert again["secret"] is None and again["errors"][0]["code"] == "FORBIDDEN"
    assert await ApiKey.filter(name="again").count() == 0


async def test_write_key_may_create_uploads_but_not_read(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    secret = (await create_key(gql, token, ["WRITE_UPLOADS"]))["secret"]
    body = await gql(
        'mutation { createUpload(input: {filename: "partner.mp4", contentType: "video/mp4", '
        "sizeBytes: 1000}) { upload { id } errors { code } } }",
        token=secret,
        expect_errors=True,
    )
    assert "errors" not in body, body
    assert body["data"]["createUpload"]["errors"] == []


async def test_write_only_key_cannot_read(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    secret = (await create_key(gql, token, ["WRITE_UPLOADS"]))["secret"]
    body = await gql(UPLOADS, token=secret, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_bad_key_input(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    assert (await create_key(gql, token, []))["errors"][0]["code"] == "INVALID_SCOPES"
    assert (await create_key(gql, token, ["READ_CLIPS"], "  "))["errors"][0]["code"] == (
        "INVALID_NAME"
    )
    body = await gql(
        CREATE_API_KEY,
        {"input": {"name": "x", "scopes": ["ADMIN"]}},
        token=token,
        expect_errors=True,
    )
    assert "ADMIN" in body["errors"][0]["message"]
    unauth = await create_key(gql, "", ["READ_CLIPS"])
    assert unauth["errors"][0]["code"] == "UNAUTHENTICATED"


async def test_revoked_and_forged_keys_are_refused(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    created = await create_key(gql, token, ["READ_CLIPS"])
    secret = created["secret"]
    assert (await gql(UPLOADS, token=secret))["data"]["uploads"] is not None
    used = await ApiKey.get(secret_hash=hash_secret(secret))
    assert used.last_used_at is not None

    for forged in (
        secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        secret + "x",
        "cfk_",
        "cfk_12345678_",
    ):
        body = await gql(UPLOADS, token=forged, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", forged

    _, other_token = await make_user()
    foreign = await gql(
        "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } errors { code } } }",
        {"id": created["apiKey"]["id"]},
        token=other_token,
    )
    assert foreign["data"]["revokeApiKey"] == {"apiKey": None, "errors": [{"code": "NOT_FOUND"}]}
    assert (await gql(UPLOADS, token=secret))["data"]["uploads"] is not None

    revoked = await gql(
        "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } errors { code } } }",
        {"id": created["apiKey"]["id"]},
        token=token,
    )
    assert revoked["data"]["revokeApiKey"]["errors"] == []
    body = await gql(UPLOADS, token=secret, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    listed = await gql("{ me { apiKeys { id } } }", token=token)
    assert listed["data"]["me"]["apiKeys"] == []
