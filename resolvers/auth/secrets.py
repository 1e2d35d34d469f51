"""Opaque high-entropy secrets (refresh tokens, API keys): only their SHA-256 is stored.

A fast hash is right here, unlike passwords: 256 random bits cannot be guessed, and the
lookup by hash is a unique-index hit.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
