"""Standard Webhooks signatures (https://www.standardwebhooks.com), so partners verify
deliveries with the `standardwebhooks` or `svix` libraries in any language.

A secret is ``whsec_`` + base64 of random bytes; a delivery carries ``webhook-id`` (the
same on every retry of one event), ``webhook-timestamp`` (unix seconds of this attempt:
receivers refuse stale ones) and ``webhook-signature``: ``v1,`` + base64 of
HMAC-SHA256(key, "{id}.{timestamp}.{body}"), several space-separated while a secret rotates.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification asks for 24 to 64


class InvalidWebhookSecret(ValueError):
    """A stored secret that is not ``whsec_`` + base64 of 24 to 64 bytes."""


def new_secret() -> str:
    """A fresh endpoint secret, shown to the user once."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_`` secret stands for."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidWebhookSecret("a webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidWebhookSecret("a webhook secret is base64 after whsec_") from None
    if not 24 <= len(key) <= 64:
        raise InvalidWebhookSecret("a webhook secret holds 24 to 64 bytes")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of the message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature_headers(
    secret: str | Sequence[str],
    message_id: str,
    body: bytes,
    *,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The three headers of one delivery attempt; a list of secrets signs with each."""
    if any(c in message_id for c in " .,\r\n"):
        raise ValueError("a webhook id holds no spaces, dots or commas")
    at = int(time.time()) if timestamp is None else int(timestamp)
    keys = [secret] if isinstance(secret, str) else list(secret)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(at),
        "webhook-signature": " ".join(sign(s, message_id, at, body) for s in keys),
    }
