"""Fixtures for upload tests: real media files, a signed-in user, GraphQL helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from tests.servers.fake_stripe import FakeStripe, fake_stripe_server
from tests.uploads import media


@dataclass(frozen=True)
class Media:
    video: Path  # 3 s, picture + sound
    silent: Path  # picture only
    audio: Path  # sound only (m4a)
    garbage: Path  # bytes that are no media at all


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> Media:
    tmp = tmp_path_factory.mktemp("media")
    garbage = tmp / "garbage.mp4"
    garbage.write_bytes(os.urandom(20_000))
    return Media(
        video=media.video_with_audio(tmp / "talk.mp4"),
        silent=media.video_without_audio(tmp / "silent.mp4"),
        audio=media.audio_only(tmp / "voice.m4a"),
        garbage=garbage,
    )


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[FakeStripe]:
    with fake_stripe_server() as server:
        yield server


@pytest.fixture
def stripe_api(stripe_server: FakeStripe, settings: Settings, monkeypatch: Any) -> FakeStripe:
    """Stripe configured against the local stand-in, with a webhook secret for signing."""
    monkeypatch.setattr(settings, "stripe_api_key", stripe_server.api_key)
    monkeypatch.setattr(settings, "stripe_api_base", stripe_server.base_url)
    monkeypatch.setattr(settings, "stripe_webhook_secret", "whsec_test_uploads")
    return stripe_server
