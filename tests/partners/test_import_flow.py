"""Done when: a partner with an API key imports a video by link and receives a verified
UPLOAD_READY webhook with the clips, without polling. Through the api, the real worker, the
local media server and a receiver that verifies with the `standardwebhooks` package; only
127.0.0.1 is opened by CLIPFORGE_IMPORT_ALLOWED_HOSTS."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.importing.original import original_for
from jobs.tasks import imports
from orm.models import Clip, CreditTransaction, DeadLetter, Upload, User, WebhookDelivery
from orm.models.enums import CreditKind
from tests.accounts.test_api_keys import create_key
from tests.factories import gid
from tests.partners.flow import (
    configured,
    create_webhook,
    import_link,
    payloads,
    pk,
    run_worker,
    stored,
)
from tests.pipeline.conftest import job_queued, subscribe
from tests.pipeline.contract import operation
from tests.servers.media_source import MediaSource, Route, Sentinel, unused_port
from tests.servers.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.usefixtures("allow_local", "redis")

UPLOAD = """query($id: ID!) { upload(id: $id) {
  id status filename contentType sizeBytes durationSeconds error sourceUrl
  clips(first: 10) { edges { node { id title score startSeconds endSeconds } } }
} }"""


async def partner(gql: Any, make_user: Any, minutes: int = 10) -> tuple[User, str]:
    """A user and the API key their product uses (imports and webhooks, no session)."""
    user, session = await make_user(minutes=minutes)
    key = await create_key(gql, session, ["READ_CLIPS", "WRITE_UPLOADS", "MANAGE_WEBHOOKS"])
    return user, key["secret"]


async def hook(gql: Any, key: str, receiver: WebhookReceiver, events: list[str]) -> str:
    created = await create_webhook(gql, key, receiver.url, events)
    assert created["errors"] == [] and created["secret"].startswith("whsec_")
    receiver.secret = created["secret"]  # the partner keeps the secret shown once
    return str(created["webhook"]["id"])


async def charges(upload_id: Any) -> list[int]:
    rows = await CreditTransaction.filter(upload_id=upload_id, kind=CreditKind.UPLOAD_CHARGE)
    return [r.minutes for r in rows]


async def test_a_partner_imports_a_direct_link_and_gets_a_verified_upload_ready(
    gql: Any, make_user: Any, source: MediaSource, receiver: WebhookReceiver, talk_bytes: bytes
) -> None:
    user, key = await partner(gql, make_user)
    await hook(gql, key, receiver, ["UPLOAD_READY", "UPLOAD_FAILED"])
    source.routes["/talk.mp4"] = Route(talk_bytes)
    link = source.url("/talk.mp4")

    imported = await import_link(gql, key, link)
    assert imported["errors"] == []
    assert imported["upload"]["status"] == "IMPORTING" and imported["upload"]["sourceUrl"] == link
    upload_id = pk(imported["upload"]["id"])
    assert source.requests == []  # the api only checked the link; the worker fetches

    events = await subscribe(user.id)
    worker = await run_worker()
    seen = await events.drain()
    await events.pubsub.aclose()
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (5, 0, 0)

    body = await gql(UPLOAD, {"id": imported["upload"]["id"]}, token=key)
    upload = body["data"]["upload"]
    assert upload["status"] == "READY" and upload["error"] is None
    assert upload["sourceUrl"] == link and upload["filename"] == "talk.mp4"
    assert upload["contentType"] == "video/mp4"
    assert upload["sizeBytes"] == len(talk_bytes)
    assert await stored(upload_id)  # the original and the results live under its prefix
    assert await charges(upload_id) == [-1]  # one charge of ceil(~12 s) = 1 minute
    assert (await User.get(id=user.id)).minutes_balance == 9
    assert source.paths() == ["/talk.mp4"]

    imports = [e for e in seen if e["stage"] == "IMPORT"]
    assert [e["status"] for e in imports][0] == "STARTED"
    assert imports[-1]["status"] == "COMPLETED"
    downloaded = [e["progress"] for e in imports if e["status"] == "PROGRESS"]
    assert downloaded and downloaded == sorted(downloaded) and max(downloaded) <= 1.0
    finished = [e["stage"] for e in seen if e["status"] == "COMPLETED"]
    assert finished == ["IMPORT", "TRANSCRIBE", "CLIP", "CAPTIONS"]

    # The webhook: exactly one delivery, verified with the secret shown once, with the clips.
    assert len(receiver.deliveries) == 1
    delivery = receiver.deliveries[0]
    assert delivery.verified, delivery.error
    event = delivery.payload
    assert event["type"] == "upload.ready"
    sent = event["data"]["upload"]
    assert sent["id"] == imported["upload"]["id"] and sent["status"] == "READY"
    assert sent["sourceUrl"] == link
    clips = [e["node"] for e in upload["clips"]["edges"]]
    assert [c["id"] for c in sent["clips"]] == [c["id"] for c in clips] and clips
    first = sent["clips"][0]
    assert (first["title"], first["score"]) == (clips[0]["title"], clips[0]["score"])
    assert first["startSeconds"] == clips[0]["startSeconds"]
    assert first["videoUrl"] and first["thumbnailUrl"]
    assert await Clip.filter(upload_id=upload_id).count() == len(sent["clips"])

    listed = await gql(operation("Webhooks"), token=key)
    [endpoint] = listed["data"]["me"]["webhooks"]
    [attempted] = [e["node"] for e in endpoint["deliveries"]["edges"]]
    assert attempted["eventType"] == "UPLOAD_READY" and attempted["succeeded"] is True
    assert (attempted["attempts"], attempted["statusCode"]) == (1, 200)
    assert attempted["lastAttemptAt"]


async def test_a_video_page_is_imported_through_yt_dlp_to_ready_with_one_charge(
    gql: Any, make_user: Any, source: MediaSource, talk_bytes: bytes
) -> None:
    user, key = await partner(gql, make_user)
    source.routes["/talk.mp4"] = Route(talk_bytes)
    page = b"<html><head><title>Launch talk</title></head><video src='/talk.mp4'></video></html>"
    source.routes["/watch"] = Route(page, content_type="text/html")

    imported = await import_link(gql, key, source.url("/watch"))
    assert imported["errors"] == []
    worker = await run_worker()
    assert (worker.jobs_failed, worker.jobs_retried) == (0, 0)

    upload = await Upload.get(id=pk(imported["upload"]["id"]))
    assert upload.status == "READY" and upload.source_url == source.url("/watch")
    assert upload.filename.startswith("Launch talk") and upload.filename.endswith(".mp4")
    assert upload.storage_key.endswith("/original.mp4")
    assert await charges(upload.id) == [-1]
    assert (await User.get(id=user.id)).minutes_balance == 9
    assert "/watch" in source.paths() and source.paths()[-1] == "/talk.mp4"


async def test_too_few_minutes_fail_the_import_and_remove_what_it_fetched(
    gql: Any, make_user: Any, source: MediaSource, receiver: WebhookReceiver, talk_bytes: bytes
) -> None:
    user, key = await partner(gql, make_user, minutes=0)
    await hook(gql, key, receiver, ["UPLOAD_FAILED"])
    source.routes["/talk.mp4"] = Route(talk_bytes)
    imported = await import_link(gql, key, source.url("/talk.mp4"))
    upload_id = pk(imported["upload"]["id"])

    worker = await run_worker()
    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)  # import, then the webhook
    upload = await Upload.get(id=upload_id)
    assert (upload.status, upload.error_code) == ("FAILED", "INSUFFICIENT_CREDITS")
    assert "1 minutes" in (upload.error or "")
    assert source.paths() == ["/talk.mp4"]  # it was fetched ...
    assert await stored(upload_id) == []  # ... and removed again
    assert await CreditTransaction.filter(upload_id=upload_id).count() == 0  # nothing charged
    assert (await User.get(id=user.id)).minutes_balance == 0

    [event] = payloads(receiver)
    assert receiver.deliveries[0].verified and event["type"] == "upload.failed"
    assert event["data"]["upload"]["error"]["code"] == "INSUFFICIENT_CREDITS"


async def test_a_redirect_to_a_refused_address_fails_the_upload_and_reaches_nothing(
    gql: Any, make_user: Any, source: MediaSource, sentinel_v4: Sentinel
) -> None:
    user, key = await partner(gql, make_user)
    source.routes["/go.mp4"] = Route(location=sentinel_v4.url())
    imported = await import_link(gql, key, source.url("/go.mp4"))
    assert imported["errors"] == []  # the link itself is fine; where it leads is not

    worker = await run_worker()
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 0)
    upload = await Upload.get(id=pk(imported["upload"]["id"]))
    assert (upload.status, upload.error_code) == ("FAILED", "URL_NOT_ALLOWED")
    assert "127.0.0.2" in (upload.error or "")
    assert await CreditTransaction.filter(upload_id=upload.id).count() == 0
    assert (await User.get(id=user.id)).minutes_balance == 10
    assert await stored(upload.id) == []


async def test_media_that_is_no_video_fails_the_import_with_its_code(
    gql: Any, make_user: Any, source: MediaSource, files: Any
) -> None:
    _, key = await partner(gql, make_user)
    source.routes["/fake.mp4"] = Route(files.garbage.read_bytes())
    imported = await import_link(gql, key, source.url("/fake.mp4"))
    await run_worker()
    upload = await Upload.get(id=pk(imported["upload"]["id"]))
    assert (upload.status, upload.error_code) == ("FAILED", "INVALID_MEDIA")
    assert (
        await stored(upload.id) == []
        and await CreditTransaction.filter(upload_id=upload.id).count() == 0
    )


REFUSED = [
    pytest.param("{v4}", "127.0.0.2", id="loopback outside the allowance"),
    pytest.param("{v6}", "::1", id="ipv6 loopback"),
    pytest.param("http://localhost:{port}/talk.mp4", "localhost", id="localhost by name"),
    pytest.param("ftp://127.0.0.1:{port}/talk.mp4", "ftp:", id="ftp"),
    pytest.param("file:///etc/passwd", "file:", id="file"),
    pytest.param("data:video/mp4;base64,AAAA", "data:", id="data url"),
    pytest.param("http://user:pw@127.0.0.1:{port}/talk.mp4", "password", id="credentials"),
    pytest.param("http://169.254.169.254/latest/meta-data/", "metadata", id="cloud metadata"),
]


@pytest.mark.parametrize(("link", "said"), REFUSED)
async def test_a_refused_link_is_answered_at_once_and_reaches_nothing(
    link: str,
    said: str,
    gql: Any,
    make_user: Any,
    source: MediaSource,
    sentinel_v4: Sentinel,
    sentinel_v6: Sentinel,
    redis: Any,
) -> None:
    user, key = await partner(gql, make_user)
    url = link.format(v4=sentinel_v4.url(), v6=sentinel_v6.url(), port=source.port)
    imported = await import_link(gql, key, url)
    [error] = imported["errors"]
    assert (error["code"], error["field"]) == ("URL_NOT_ALLOWED", "url")
    assert said in error["message"]
    assert imported["upload"] is None
    assert await Upload.filter(user_id=user.id).count() == 0
    assert await redis.zcard("arq:queue") == 0  # no import job
    assert source.requests == [] and source.connections == 0


async def test_no_webhook_is_recorded_for_users_without_endpoints(
    gql: Any, make_user: Any, source: MediaSource, sentinel_v4: Sentinel
) -> None:
    _, key = await partner(gql, make_user)
    source.routes["/go.mp4"] = Route(location=sentinel_v4.url())
    await import_link(gql, key, source.url("/go.mp4"))
    before = await WebhookDelivery.all().count()
    await run_worker()
    assert await WebhookDelivery.all().count() == before


async def test_a_failed_import_is_fetched_again_by_retry_upload(
    gql: Any, make_user: Any, source: MediaSource, sentinel_v4: Sentinel
) -> None:
    _, key = await partner(gql, make_user)
    source.routes["/go.mp4"] = Route(location=sentinel_v4.url())
    imported = await import_link(gql, key, source.url("/go.mp4"))
    await run_worker()
    upload_id = pk(imported["upload"]["id"])
    assert (await Upload.get(id=upload_id)).status == "FAILED"

    retried = await gql(operation("RetryUpload"), {"id": imported["upload"]["id"]}, key)
    assert retried["data"]["retryUpload"]["errors"] == []
    upload = await Upload.get(id=upload_id)
    assert (upload.status, upload.error, upload.error_code) == ("IMPORTING", None, None)
    assert await job_queued(f"import:{upload_id}")
    assert await CreditTransaction.filter(upload_id=upload_id).count() == 0  # charged once fetched


async def test_an_upload_deleted_while_it_was_fetched_leaves_no_file(
    gql: Any,
    make_user: Any,
    source: MediaSource,
    talk_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, key = await partner(gql, make_user)
    source.routes["/talk.mp4"] = Route(talk_bytes)
    imported = await import_link(gql, key, source.url("/talk.mp4"))
    upload_id = pk(imported["upload"]["id"])
    fetch = imports._fetch

    async def fetch_then_delete(*args: Any) -> Any:
        got = await fetch(*args)
        deleted = await gql(operation("DeleteUpload"), {"id": imported["upload"]["id"]}, key)
        assert deleted["data"]["deleteUpload"]["errors"] == []
        return got

    monkeypatch.setattr(imports, "_fetch", fetch_then_delete)
    worker = await run_worker()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert await Upload.filter(id=upload_id).count() == 0
    assert await stored(upload_id) == []
    assert await CreditTransaction.filter(upload_id=upload_id).count() == 0


def test_the_stored_original_is_named_after_what_was_fetched() -> None:
    got = original_for("u1", "https://cdn.example.com/v/clip.MP4?sig=1", "video/mp4", "x", None)
    assert (got.key, got.content_type, got.filename) == (
        "uploads/u1/original.mp4",
        "video/mp4",
        "x",
    )
    page = original_for(
        "u1", "https://cdn.example.com/stream", "video/webm; codecs=vp9", "w", "A/B\n"
    )
    assert (page.key, page.filename) == ("uploads/u1/original.webm", "A B.webm")
    odd = original_for("u1", "https://x.example.com/a.php", "text/plain", "a.php", "")
    assert (odd.key, odd.content_type, odd.filename) == (
        "uploads/u1/original.php",
        "application/octet-stream",
        "a.php",
    )


async def test_a_source_that_stays_down_is_retried_then_dead_lettered_and_retryable(
    gql: Any, make_user: Any
) -> None:
    """SOURCE_UNREACHABLE is transient: the retry table (here one retry at once), then
    import_dead with the upload FAILED and nothing charged; an operator's retry fetches again."""
    user, key = await partner(gql, make_user)
    _, admin = await make_user(is_admin=True)
    imported = await import_link(gql, key, f"http://127.0.0.1:{unused_port()}/talk.mp4")
    upload_id = pk(imported["upload"]["id"])
    with configured(import_allowed_hosts="127.0.0.1", retry_delays='{"import": [0]}'):
        worker = await run_worker()
    assert (worker.jobs_retried, worker.jobs_failed) == (1, 1)
    upload = await Upload.get(id=upload_id)
    assert upload.status == "FAILED" and "could not be reached" in (upload.error or "")
    assert await CreditTransaction.filter(upload_id=upload_id).count() == 0
    dead = await DeadLetter.get(upload_id=upload_id)
    assert (dead.queue, dead.job_name, dead.attempts) == ("import_dead", "import", 2)

    retried = await gql(
        "mutation($id: ID!) { retryDeadLetter(id: $id) { errors { code } } }",
        {"id": gid("DeadLetter", dead.id)},
        admin,
    )
    assert retried["data"]["retryDeadLetter"]["errors"] == []
    assert (await Upload.get(id=upload_id)).status == "IMPORTING"
    assert await job_queued(f"import:{upload_id}")
    assert (await User.get(id=user.id)).minutes_balance == 10


async def test_an_import_keeps_its_clip_options_and_refuses_bad_ones_before_anything(
    gql: Any, make_user: Any, source: MediaSource, redis: Any
) -> None:
    """ImportUploadInput takes the same ClipOptionsInput as createUpload: stored with the
    upload (defaults filled in), and bad values answer typed errors with nothing created."""
    user, key = await partner(gql, make_user)
    url = f"http://127.0.0.1:{source.port}/talk.mp4"
    bad = await gql(
        operation("ImportUpload"),
        {"input": {"url": url, "options": {"minSeconds": 2, "count": 99}}},
        token=key,
    )
    errors = bad["data"]["importUpload"]["errors"]
    assert {(e["code"], e["field"]) for e in errors} >= {
        ("INVALID_CLIP_LENGTH", "options.minSeconds"),
        ("INVALID_CLIP_COUNT", "options.count"),
    }
    assert await Upload.filter(user_id=user.id).count() == 0
    assert await redis.zcard("arq:queue") == 0 and source.connections == 0

    good = await gql(
        operation("ImportUpload"),
        {"input": {"url": url, "options": {"maxSeconds": 30, "prompt": "pricing", "count": 2}}},
        token=key,
    )
    payload = good["data"]["importUpload"]
    assert payload["errors"] == []
    shown = await gql(
        "query($id: ID!) { upload(id: $id) { options { minSeconds maxSeconds count prompt } } }",
        {"id": payload["upload"]["id"]},
        token=key,
    )
    options = shown["data"]["upload"]["options"]
    assert (options["maxSeconds"], options["count"], options["prompt"]) == (30, 2, "pricing")
    assert options["minSeconds"] < 30  # the default filled in
