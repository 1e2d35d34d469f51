"""Deliveries to a local receiver that verifies them with the `standardwebhooks` package."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from core.netguard import NetGuard
from core.webhooks import DEFAULT_SCHEDULE, WebhookEvent, event_body, new_message_id, new_secret
from jobs.webhook_delivery import deliver
from tests.servers.media_source import MediaSource, Route, Sentinel, unused_port
from tests.servers.webhook_receiver import HANG, WebhookReceiver

SECRET = new_secret()
BODY = event_body(
    WebhookEvent.UPLOAD_READY,
    {"upload": {"id": "VXBsb2FkOjE=", "clips": [{"id": "c1", "score": 81, "title": "Hook"}]}},
    datetime(2026, 12, 1, tzinfo=UTC),
)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(SECRET).start()
    try:
        yield server
    finally:
        server.stop()


async def test_500_twice_then_200_is_three_attempts_of_one_webhook_id(
    receiver: WebhookReceiver, guard: NetGuard
) -> None:
    receiver.plan.extend([500, 500, 200])
    msg_id = new_message_id()
    results = []
    for _attempt in range(DEFAULT_SCHEDULE.max_attempts):  # the job's loop, without waiting
        result = await deliver(
            receiver.url, secret=SECRET, message_id=msg_id, body=BODY, guard=guard
        )
        results.append(result)
        if result.succeeded:
            break
        assert DEFAULT_SCHEDULE.delay_after(len(results)) is not None
    assert [(r.succeeded, r.status_code, r.error) for r in results] == [
        (False, 500, "HTTP 500"),
        (False, 500, "HTTP 500"),
        (True, 200, None),
    ]
    assert results[-1].response_excerpt == "ok" and results[0].response_excerpt == "try again"
    got = receiver.deliveries
    assert len(got) == 3 and all(d.verified for d in got), [d.error for d in got]
    assert {d.headers["webhook-id"] for d in got} == {msg_id}
    assert got[0].body == got[2].body == BODY
    assert got[2].payload["type"] == "upload.ready"
    assert got[2].payload["data"]["upload"]["clips"][0]["score"] == 81
    assert got[0].headers["content-type"] == "application/json"


async def test_a_receiver_that_does_not_answer_in_time_is_retried(
    receiver: WebhookReceiver, guard: NetGuard
) -> None:
    receiver.plan.append(HANG)
    result = await deliver(
        receiver.url, secret=SECRET, message_id=new_message_id(), body=BODY, guard=guard,
        time_limit=0.5,
    )  # fmt: skip
    receiver.release.set()
    assert not result.succeeded and result.should_retry
    assert result.status_code is None and result.error == "no answer within 0.5 s"
    assert len(receiver.deliveries) == 1 and receiver.deliveries[0].verified


async def test_a_receiver_that_is_down_is_retried(guard: NetGuard) -> None:
    url = f"http://127.0.0.1:{unused_port()}/hooks"
    result = await deliver(url, secret=SECRET, message_id=new_message_id(), body=BODY, guard=guard)
    assert result.should_retry and result.status_code is None
    assert result.error == "connection failed (refused or unreachable)"


async def test_a_receiver_holding_another_secret_fails_verification(guard: NetGuard) -> None:
    receiver = WebhookReceiver(new_secret()).start()  # the partner's copy does not match
    try:
        result = await deliver(
            receiver.url, secret=SECRET, message_id=new_message_id(), body=BODY, guard=guard
        )
    finally:
        receiver.stop()
    assert result.succeeded  # the receiver answered 200 ...
    assert not receiver.deliveries[0].verified  # ... but its check refused the signature
    assert "No matching signature" in receiver.deliveries[0].error


async def test_redirects_are_not_followed(
    source: MediaSource, guard: NetGuard, sentinel_v4: Sentinel
) -> None:
    source.routes["/hooks"] = Route(location=sentinel_v4.url("/hooks"), status=307)
    result = await deliver(
        source.url("/hooks"), secret=SECRET, message_id=new_message_id(), body=BODY, guard=guard
    )
    assert not result.succeeded and result.status_code == 307
    assert result.error == "HTTP 307: redirects are not followed"


@pytest.mark.parametrize("which", ["127.0.0.2", "::1"])
async def test_an_endpoint_at_a_refused_address_is_never_reached(
    which: str, guard: NetGuard, sentinels: dict[str, Sentinel], sentinel_v4: Sentinel,
    sentinel_v6: Sentinel,
) -> None:  # fmt: skip
    url = sentinels[which].url("/hooks")
    result = await deliver(url, secret=SECRET, message_id=new_message_id(), body=BODY, guard=guard)
    assert result.should_retry and result.error and result.error.startswith("URL_NOT_ALLOWED")


async def test_https_is_required_when_asked(receiver: WebhookReceiver, guard: NetGuard) -> None:
    result = await deliver(
        receiver.url, secret=SECRET, message_id=new_message_id(), body=BODY, guard=guard,
        require_https=True,
    )  # fmt: skip
    assert not result.succeeded and "Only https" in (result.error or "")
    assert receiver.deliveries == []
