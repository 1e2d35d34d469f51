"""Fixtures for billing tests: the local Stripe stand-in, configured for each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.config import Settings
from tests.servers.fake_stripe import FakeStripe, fake_stripe_server

WEBHOOK_SECRET = "whsec_test_" + "credits"


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[FakeStripe]:
    with fake_stripe_server() as server:
        yield server


@pytest.fixture
def stripe_api(stripe_server: FakeStripe, settings: Settings, monkeypatch: Any) -> FakeStripe:
    """Stripe configured against the local stand-in, with a webhook secret for signing."""
    monkeypatch.setattr(settings, "stripe_api_key", stripe_server.api_key)
    monkeypatch.setattr(settings, "stripe_api_base", stripe_server.base_url)
    monkeypatch.setattr(settings, "stripe_webhook_secret", WEBHOOK_SECRET)
    return stripe_server
