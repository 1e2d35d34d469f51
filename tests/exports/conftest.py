"""Fixtures shared with the account tests (settings changed for one test)."""

from tests.accounts.conftest import override_settings

__all__ = ["override_settings"]
