"""Registering webhook endpoints: the secret shown once and stored sealed, the same link
checks as imports, at most ten, https in production; who may manage them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from core.outbound import webhook_secret_box
from orm.models import Webhook
from tests.accounts.test_api_keys import create_key
from tests.partners.flow import configured, create_webhook, pk
from tests.pipeline.contract import operation
from tests.servers.media_source import Sentinel

pytestmark = pytest.mark.usefixtures("allow_local", "redis")

HOOK = "https://127.0.0.1:8443/hooks"  # never called here: creating checks, it does not send


async def test_the_secret_is_shown_once_and_stored_sealed(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    created = await create_webhook(gql, token, HOOK, ["UPLOAD_READY", "EXPORT_FAILED"])
    assert created["errors"] == []
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    webhook = created["webhook"]
    assert webhook["url"] == HOOK and webhook["events"] == ["EXPORT_FAILED", "UPLOAD_READY"]

    row = await Webhook.get(id=pk(webhook["id"]))
    assert secret not in row.secret_sealed and secret.removeprefix("whsec_") not in str(
        row.secret_sealed
    )
    assert webhook_secret_box().open(row.secret_sealed, context=str(row.id)) == secret
    other = str(uuid.uuid4())  # sealed for its row: copied to another, it does not open
    with pytest.raises(Exception, match="does not open"):
        webhook_secret_box().open(row.secret_sealed, context=other)

    listed = await gql(operation("Webhooks"), token=token)
    [endpoint] = listed["data"]["me"]["webhooks"]
    assert endpoint["id"] == webhook["id"] and endpoint["deliveries"]["edges"] == []
    assert secret not in str(listed)


async def test_a_rotated_server_secret_still_opens_with_the_previous_one(
    gql: Any, make_user: Any, settings: Any
) -> None:
    _, token = await make_user()
    created = await create_webhook(gql, token, HOOK, ["UPLOAD_READY"])
    row = await Webhook.get(id=pk(created["webhook"]["id"]))
    old = settings.secret_key
    with configured(secret_key="rotated-" + uuid.uuid4().hex, secret_key_previous=old):
        assert (
            webhook_secret_box().open(row.secret_sealed, context=str(row.id)) == (created["secret"])
        )
    with (
        configured(secret_key="rotated-" + uuid.uuid4().hex),
        pytest.raises(Exception, match="not configured"),
    ):
        webhook_secret_box().open(row.secret_sealed, context=str(row.id))


@pytest.mark.parametrize(
    "url, said",
    [
        ("{v4}", "127.0.0.2"),
        ("{v6}", "::1"),
        ("https://localhost:8443/hooks", "localhost"),
        ("https://10.0.0.7/hooks", "private"),
        ("https://169.254.169.254/hooks", "metadata"),
        ("ftp://127.0.0.1/hooks", "ftp:"),
        ("https://me:secret@127.0.0.1/hooks", "password"),
    ],
)
async def test_endpoints_pass_the_same_checks_as_imports(
    url: str,
    said: str,
    gql: Any,
    make_user: Any,
    sentinel_v4: Sentinel,
    sentinel_v6: Sentinel,
) -> None:
    user, token = await make_user()
    link = url.format(v4=sentinel_v4.url("/hooks"), v6=sentinel_v6.url("/hooks"))
    created = await create_webhook(gql, token, link, ["UPLOAD_READY"])
    [error] = created["errors"]
    assert (error["code"], error["field"]) == ("URL_NOT_ALLOWED", "url")
    assert said in error["message"]
    assert created["webhook"] is None and created["secret"] is None
    assert await Webhook.filter(user_id=user.id).count() == 0


async def test_https_is_required_in_production(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    with configured(import_allowed_hosts="127.0.0.1", env="production"):
        refused = await create_webhook(gql, token, "http://127.0.0.1:8080/hooks", ["UPLOAD_READY"])
        accepted = await create_webhook(gql, token, HOOK, ["UPLOAD_READY"])
    [error] = refused["errors"]
    assert error["code"] == "URL_NOT_ALLOWED" and "https" in error["message"]
    assert accepted["errors"] == []


async def test_at_most_ten_endpoints_and_at_least_one_event(gql: Any, make_user: Any) -> None:
    user, token = await make_user()
    for n in range(10):
        created = await create_webhook(gql, token, f"{HOOK}/{n}", ["UPLOAD_READY"])
        assert created["errors"] == []
    eleventh = await create_webhook(gql, token, f"{HOOK}/10", ["UPLOAD_READY"])
    assert [e["code"] for e in eleventh["errors"]] == ["TOO_MANY_WEBHOOKS"]
    assert await Webhook.filter(user_id=user.id).count() == 10

    _, other = await make_user()
    none = await create_webhook(gql, other, HOOK, [])
    assert [(e["code"], e["field"]) for e in none["errors"]] == [("INVALID_EVENTS", "events")]


async def test_a_key_with_manage_webhooks_manages_them_and_reads_nothing_else(
    gql: Any, make_user: Any
) -> None:
    _, session = await make_user()
    manager = (await create_key(gql, session, ["MANAGE_WEBHOOKS"]))["secret"]
    created = await create_webhook(gql, manager, HOOK, ["UPLOAD_FAILED"])
    assert created["errors"] == []
    listed = await gql(operation("Webhooks"), token=manager)
    assert [w["id"] for w in listed["data"]["me"]["webhooks"]] == [created["webhook"]["id"]]
    for field in ("email", "isAdmin", "credits { minutesRemaining }", "apiKeys { id }"):
        body = await gql(f"{{ me {{ {field} }} }}", token=manager, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", field

    other = (await create_key(gql, session, ["READ_CLIPS", "WRITE_UPLOADS"]))["secret"]
    body = await gql(operation("Webhooks"), token=other, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "MANAGE_WEBHOOKS" in body["errors"][0]["message"]
    refused = await create_webhook(gql, other, HOOK, ["UPLOAD_FAILED"])
    assert refused["errors"][0]["code"] == "FORBIDDEN"

    deleted = await gql(operation("DeleteWebhook"), {"id": created["webhook"]["id"]}, manager)
    assert deleted["data"]["deleteWebhook"] == {"deletedId": created["webhook"]["id"], "errors": []}
    assert await Webhook.filter(id=pk(created["webhook"]["id"])).count() == 0
    again = await gql(operation("DeleteWebhook"), {"id": created["webhook"]["id"]}, manager)
    assert again["data"]["deleteWebhook"]["errors"][0]["code"] == "NOT_FOUND"
