"""The configured outbound policy: the SSRF guard for imports and webhooks, and the box that
seals webhook secrets, both built from the settings (parsed and checked at start-up)."""

from __future__ import annotations

from core.config import Settings, get_settings
from core.netguard import NetGuard
from core.webhooks import SecretBox


def outbound_guard(settings: Settings | None = None) -> NetGuard:
    """The guard every link a user gives goes through (CLIPFORGE_IMPORT_ALLOWED_HOSTS opens
    exceptions, for on-premises sources and for tests)."""
    s = settings or get_settings()
    return NetGuard(s.import_allowed_hosts)


def webhooks_require_https(settings: Settings | None = None) -> bool:
    """Endpoints must be https in production (a signature does not hide the payload)."""
    return (settings or get_settings()).is_production


def webhook_secret_box(settings: Settings | None = None) -> SecretBox:
    """Seals with CLIPFORGE_SECRET_KEY; opens with it or any CLIPFORGE_SECRET_KEY_PREVIOUS."""
    s = settings or get_settings()
    return SecretBox(s.secret_key, previous=s.secret_key_previous)
