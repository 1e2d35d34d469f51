"""Email addresses: one normal form, so `Ann@Example.COM ` and `ann@example.com` are one user."""

from __future__ import annotations

import re
import unicodedata

from core.errors import DomainError

_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_email(raw: str) -> str:
    """Trimmed, NFC, lower-cased, IDNA domain; INVALID_EMAIL when it cannot be an address."""
    invalid = DomainError("INVALID_EMAIL", "That is not a valid email address.", "email")
    email = unicodedata.normalize("NFC", raw.strip()).lower()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or len(local) > 64:
        raise invalid
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise invalid
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise invalid from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise invalid
    if labels[-1].isdigit():
        raise invalid
    email = f"{local}@{domain}"
    if len(email) > 254:
        raise invalid
    return email
