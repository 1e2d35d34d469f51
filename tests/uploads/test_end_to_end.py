"""Done when: sign up, read the grant, buy a pack, upload a real video to the presigned URL,
complete it, see the charge and QUEUED; bad uploads get their codes and change nothing.
Every request is one of the client contract's own operations."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from core.config import Settings
from core.storage import get_store
from orm.models import Upload
from tests.credits.helpers import assert_ledger_consistent, post_event
from tests.servers.fake_stripe import FakeStripe
from tests.uploads.conftest import Media
from tests.uploads.ops import put, queued_job, upload_pk

CONTRACT = (Path(__file__).resolve().parents[1] / "contract" / "operations.graphql").read_text()


class Client:
    """Sends the contract's operations by name, as the apps do."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token: str | None = None

    async def __call__(self, operation: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = await self.http.post(
            "/graphql",
            json={"query": CONTRACT, "operationName": operation, "variables": variables},
            headers=headers,
        )
        body = resp.json()
        assert resp.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


async def history(app: Client) -> list[tuple[str, int, int]]:
    data = await app("CreditHistory", first=20)
    edges = data["me"]["credits"]["transactions"]["edges"]
    return [(e["node"]["kind"], e["node"]["minutes"], e["node"]["balanceAfter"]) for e in edges]


async def test_sign_up_buy_upload_complete(
    client: httpx.AsyncClient, stripe_api: FakeStripe, settings: Settings, files: Media
) -> None:
    app = Client(client)
    grant = settings.signup_grant_minutes
    email = f"creator-{uuid.uuid4().hex[:8]}@example.com"
    signed = await app("SignUp", input={"email": email, "password": "a long passphrase 42!"})
    assert signed["signUp"]["errors"] == []
    app.token = signed["signUp"]["session"]["accessToken"]
    user_id = upload_pk(signed["signUp"]["session"]["user"]["id"])
    assert await history(app) == [("GRANT", grant, grant)]

    packs = (await app("CreditPacks"))["creditPacks"]
    pack = next(p for p in packs if p["id"] == "minutes_100")
    checkout = (await app("CreateCheckoutSession", input={"pack": pack["id"]}))[
        "createCheckoutSession"
    ]
    assert checkout["errors"] == [] and checkout["url"].startswith("https://checkout.stripe.com/")
    session_id = checkout["url"].rsplit("/", 1)[1]
    paid = await post_event(
        client, stripe_api.paid_event(session_id), settings.stripe_webhook_secret or ""
    )
    assert paid.status_code == 200
    balance = grant + pack["minutes"]
    assert (await app("Me"))["me"]["credits"]["minutesRemaining"] == balance

    data = files.video.read_bytes()
    created = (
        await app(
            "CreateUpload",
            input={"filename": "episode.mp4", "contentType": "video/mp4", "sizeBytes": len(data)},
        )
    )["createUpload"]
    assert created["errors"] == [] and created["upload"]["status"] == "AWAITING_UPLOAD"
    assert created["target"]["url"].startswith(settings.public_base_url)
    assert (await put(client, created["target"], data)).status_code == 200
    upload_id = created["upload"]["id"]
    done = (await app("CompleteUpload", id=upload_id))["completeUpload"]
    assert done["errors"] == []
    assert done["upload"]["status"] == "QUEUED"
    assert 2.5 < done["upload"]["durationSeconds"] < 3.5
    assert (await history(app))[0] == ("UPLOAD_CHARGE", -1, balance - 1)
    assert await queued_job(f"transcribe:{upload_pk(upload_id)}") is not None
    listed = (await app("Uploads", first=10))["uploads"]["edges"]
    assert [(e["node"]["id"], e["node"]["status"]) for e in listed] == [(upload_id, "QUEUED")]

    # Each bad upload: its code; the ledger and storage stay as they were.
    bad = {
        "UPLOAD_MISSING": None,
        "INVALID_MEDIA": files.garbage.read_bytes(),
        "NO_AUDIO_TRACK": files.silent.read_bytes(),
    }
    for code, content in bad.items():
        size = len(content) if content is not None else 1000
        made = (
            await app(
                "CreateUpload",
                input={"filename": "bad.mp4", "contentType": "video/mp4", "sizeBytes": size},
            )
        )["createUpload"]
        if content is not None:
            assert (await put(client, made["target"], content)).status_code == 200
        answer = (await app("CompleteUpload", id=made["upload"]["id"]))["completeUpload"]
        assert [e["code"] for e in answer["errors"]] == [code]
        detail = (await app("UploadDetail", id=made["upload"]["id"]))["upload"]
        assert detail["status"] == "AWAITING_UPLOAD"

    assert await assert_ledger_consistent(user_id) == balance - 1
    assert len(await history(app)) == 3
    stored = []
    for upload in await Upload.filter(user_id=user_id):
        stored += await get_store().list_keys(f"uploads/{upload.id}/")
    good = await Upload.get(id=upload_pk(upload_id))
    assert stored == [good.storage_key]
