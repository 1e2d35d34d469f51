"""Standard Webhooks signing, checked by the `standardwebhooks` package; secrets at rest."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.webhooks import (
    DEFAULT_SCHEDULE,
    InvalidWebhookSecret,
    SecretBox,
    SecretUnreadable,
    WebhookEvent,
    event_body,
    new_message_id,
    new_secret,
    signature_headers,
)

OCCURRED = datetime(2026, 12, 1, 9, 30, 0, 250000, tzinfo=UTC)


def test_secrets_are_whsec_and_32_random_bytes() -> None:
    one, two = new_secret(), new_secret()
    assert one.startswith("whsec_") and one != two
    assert len(base64.b64decode(one.removeprefix("whsec_"))) == 32


def test_the_payload_is_type_timestamp_data() -> None:
    body = event_body(WebhookEvent.UPLOAD_READY, {"upload": {"id": "u1"}}, OCCURRED)
    assert json.loads(body) == {
        "type": "upload.ready",
        "timestamp": "2026-12-01T09:30:00.250Z",
        "data": {"upload": {"id": "u1"}},
    }
    assert WebhookEvent["EXPORT_FAILED"].value == "export.failed"
    with pytest.raises(ValueError):
        event_body(WebhookEvent.UPLOAD_READY, {}, datetime(2026, 1, 1))  # naive time


def test_the_standardwebhooks_library_verifies_our_signature() -> None:
    secret, msg_id = new_secret(), new_message_id()
    body = event_body(WebhookEvent.UPLOAD_FAILED, {"error": "Videos can be at most 10 h"}, OCCURRED)
    headers = signature_headers(secret, msg_id, body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-signature"].startswith("v1,") and headers["webhook-id"] == msg_id
    assert Webhook(secret).verify(body, headers)["type"] == "upload.failed"
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    assert headers["webhook-signature"] == Webhook(secret).sign(msg_id, at, body.decode())


def test_a_tampered_secret_body_id_or_old_timestamp_fails_verification() -> None:
    secret, msg_id = new_secret(), new_message_id()
    body = event_body(WebhookEvent.EXPORT_READY, {"url": "https://x"}, OCCURRED)
    headers = signature_headers(secret, msg_id, body)
    key = bytearray(base64.b64decode(secret.removeprefix("whsec_")))
    key[0] ^= 1
    tampered = "whsec_" + base64.b64encode(bytes(key)).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(tampered).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"https://x", b"https://y"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": new_message_id()})
    stale = signature_headers(secret, msg_id, body, timestamp=int(OCCURRED.timestamp()) - 3600)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, stale)


def test_while_a_secret_rotates_both_signatures_are_sent() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"type":"upload.ready"}'
    headers = signature_headers([new, old], new_message_id(), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_malformed_secrets_are_refused() -> None:
    for bad in ("sk_abc", "whsec_***", "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(InvalidWebhookSecret):
            signature_headers(bad, new_message_id(), b"{}")


def test_secrets_are_sealed_per_row_and_open_only_there() -> None:
    box = SecretBox("server secret one")
    secret = new_secret()
    token = box.seal(secret, context="webhook:1")
    assert secret not in token and secret.removeprefix("whsec_") not in token
    assert token != box.seal(secret, context="webhook:1")  # a fresh nonce every time
    assert box.open(token, context="webhook:1") == secret
    with pytest.raises(SecretUnreadable):
        box.open(token, context="webhook:2")  # copied to another row
    with pytest.raises(SecretUnreadable):
        SecretBox("another server secret").open(token, context="webhook:1")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(SecretUnreadable):
        box.open(flipped, context="webhook:1")
    with pytest.raises(SecretUnreadable):
        box.open("not a token", context="webhook:1")


def test_a_previous_server_secret_still_opens_old_tokens() -> None:
    old_box = SecretBox("the old server secret")
    token = old_box.seal("whsec_abc", context="webhook:7")
    rotated = SecretBox("the new server secret", previous=["the old server secret"])
    assert rotated.open(token, context="webhook:7") == "whsec_abc"
    assert rotated.needs_reseal(token)
    assert not rotated.needs_reseal(rotated.seal("whsec_abc", context="webhook:7"))


def test_the_retry_schedule_spans_about_a_day_with_jitter() -> None:
    schedule = DEFAULT_SCHEDULE
    assert schedule.max_attempts == 8
    rng = random.Random(7)
    for failed, base in enumerate((5, 60, 300, 1800, 7200, 28800, 86400), start=1):
        delays = {schedule.delay_after(failed, rng) for _ in range(20)}
        assert all(d is not None and base * 0.8 <= d <= base * 1.2 for d in delays)
        assert len(delays) > 1  # spread, not one fixed instant
    assert schedule.delay_after(8) is None and schedule.delay_after(0) is None
    assert 30 * 3600 < sum(schedule.delays) < 36 * 3600
    now = datetime.now(UTC)
    assert schedule.should_disable(now - timedelta(days=5, seconds=1), now)
    assert not schedule.should_disable(now - timedelta(days=4), now)
    assert not schedule.should_disable(None, now)
