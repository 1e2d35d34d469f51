"""Fixtures for link imports and webhooks: local servers, refused-address sentinels, a guard.

Nothing here resolves a name through DNS: names are answered by a fixed table, and only
``localhost`` goes to the system resolver (the hosts file). Every server binds to loopback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.netguard import HostAllowance, IPAddress, NetGuard, system_resolver
from core.netguard.addresses import parse_literal
from tests.servers.media_source import MediaSource, Sentinel
from tests.uploads import media


class TableResolver:
    """Answers names from a table, never from DNS, and counts lookups.

    ``answers(host, first, then, ...)`` makes successive lookups answer differently (the
    last answer sticks): a name that rebinds between the check and the connection.
    """

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table: dict[str, list[list[str]]] = {k: [v] for k, v in (table or {}).items()}
        self.lookups: list[str] = []

    def answers(self, host: str, *answers: list[str]) -> None:
        self.table[host] = list(answers)

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.lookups.append(host)
        if host in self.table:
            queue = self.table[host]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            return [ip for ip in (parse_literal(a) for a in answer) if ip is not None]
        if host == "localhost":
            return await system_resolver(host, port)
        return []


def make_guard(
    allowed: str = "127.0.0.1",
    table: dict[str, list[str]] | None = None,
    resolver: TableResolver | None = None,
) -> NetGuard:
    return NetGuard(HostAllowance.parse(allowed), resolver=resolver or TableResolver(table))


@pytest.fixture
def guard() -> NetGuard:
    """Only the local test servers' address (127.0.0.1) is opened, as in the issue."""
    return make_guard()


@dataclass(frozen=True)
class Files:
    video: Path  # 3 s, picture and sound
    silent: Path  # picture only
    garbage: Path  # bytes that are no media


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    tmp = tmp_path_factory.mktemp("partners-media")
    garbage = tmp / "garbage.mp4"
    garbage.write_bytes(os.urandom(50_000))
    return Files(
        video=media.video_with_audio(tmp / "talk.mp4"),
        silent=media.video_without_audio(tmp / "silent.mp4"),
        garbage=garbage,
    )


@pytest.fixture
def source() -> Iterator[MediaSource]:
    server = MediaSource("127.0.0.1").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sentinels() -> Iterator[dict[str, Sentinel]]:
    """Servers on loopback addresses outside the allowance: 127.0.0.2 and [::1]."""
    servers = {"127.0.0.2": Sentinel("127.0.0.2").start(), "::1": Sentinel("::1").start()}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture
def sentinel_v4(sentinels: dict[str, Sentinel]) -> Iterator[Sentinel]:
    server = sentinels["127.0.0.2"]
    server.requests.clear()
    server._server.connections = 0
    yield server
    server.assert_untouched()


@pytest.fixture
def sentinel_v6(sentinels: dict[str, Sentinel]) -> Iterator[Sentinel]:
    server = sentinels["::1"]
    server.requests.clear()
    server._server.connections = 0
    yield server
    server.assert_untouched()


@pytest.fixture(scope="session")
def talk_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short spoken talk (~12 s): enough for the pipeline to cut one clip."""
    from tests.media.fixtures_media import make_talk
    from tests.pipeline.conftest import SHORT

    video, _ = make_talk(tmp_path_factory.mktemp("partners-talk"), SHORT, silence=0.8)
    return Path(video)


@pytest.fixture
def allow_local(settings: Any) -> Iterator[Any]:
    """CLIPFORGE_IMPORT_ALLOWED_HOSTS opening only the local servers' address."""
    from tests.partners.flow import LOCAL, configured

    with configured(import_allowed_hosts=LOCAL) as changed:
        yield changed


@pytest.fixture
def receiver() -> Iterator[Any]:
    """A partner's endpoint verifying with `standardwebhooks`; tests set its `secret` to the
    one createWebhook showed."""
    from core.webhooks import new_secret
    from tests.servers.webhook_receiver import WebhookReceiver

    server = WebhookReceiver(new_secret()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def talk_bytes(talk_video: Path) -> bytes:
    return talk_video.read_bytes()


@pytest.fixture(autouse=True)
async def no_deliveries_left_pending(request: pytest.FixtureRequest) -> Any:
    """Deliveries a test recorded and left pending are failed afterwards, so the reconciler
    of a later test's worker does not send them to servers that are gone."""
    yield
    if "db" in request.fixturenames:
        from orm.models import DeliveryState, WebhookDelivery

        await WebhookDelivery.filter(state=DeliveryState.PENDING).update(
            state=DeliveryState.FAILED, next_attempt_at=None
        )
