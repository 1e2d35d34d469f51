"""Fixtures for the account tests: temporary settings, a restorable key ring, helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from core import config
from core.config import Settings

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    session { accessToken refreshToken expiresAt user { id email isAdmin } }
    errors { code field message }
  }
}"""

LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) {
    session { accessToken refreshToken expiresAt user { id email } }
    errors { code field message }
  }
}"""

REFRESH = """
mutation RefreshSession($refreshToken: String!) {
  refreshSession(refreshToken: $refreshToken) {
    session { accessToken refreshToken expiresAt user { id email } }
    errors { code field message }
  }
}"""

LOG_OUT = "mutation LogOut { logOut { ok errors { code field message } } }"

CREATE_API_KEY = """
mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    apiKey { id name prefix scopes createdAt }
    secret
    errors { code field message }
  }
}"""

ME = "query Me { me { id email credits { minutesRemaining } } }"

STRONG_PASSWORD = "correct horse battery staple"


@pytest.fixture
def override_settings(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Settings]:
    """Change settings for one test, in place on the process's Settings object (code reads
    get_settings() at call time; monkeypatch puts every value back afterwards)."""

    def apply(**changes: Any) -> Settings:
        current = config.get_settings()
        for name, value in changes.items():
            monkeypatch.setattr(current, name, value)
        return current

    return apply


@pytest.fixture
def key_ring(settings: Settings) -> Iterator[None]:
    """Tests that rewrite the key ring get the original ring back afterwards."""
    from resolvers.auth.keyring import keys_path

    path = keys_path()
    before = path.read_bytes() if path.exists() else None
    yield
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)


async def sign_up(gql: Any, email: str, password: str = STRONG_PASSWORD) -> dict[str, Any]:
    body = await gql(SIGN_UP, {"input": {"email": email, "password": password}})
    payload: dict[str, Any] = body["data"]["signUp"]
    return payload
