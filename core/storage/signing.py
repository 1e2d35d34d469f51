"""HMAC-signed URLs for the local backend, the stand-in for S3 presigned URLs.

The signature covers the method, key, expiry, the content type a PUT must carry and, for a
multipart part, the upload id and part number, so none of them can be changed by a client.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from urllib.parse import quote

_CONTEXT = b"clipforge/storage-url/v1"


@functools.lru_cache(maxsize=8)
def _signing_key(secret_key: str) -> bytes:
    # Derived, so the raw secret is never used directly for URL signatures.
    return hmac.new(secret_key.encode(), _CONTEXT, hashlib.sha256).digest()


def signature(
    secret_key: str,
    method: str,
    key: str,
    expires: int,
    content_type: str = "",
    upload_id: str = "",
    part_number: int | None = None,
) -> str:
    message = "\n".join(
        [
            method.upper(),
            key,
            str(int(expires)),
            content_type,
            upload_id,
            "" if part_number is None else str(int(part_number)),
        ]
    )
    return hmac.new(_signing_key(secret_key), message.encode(), hashlib.sha256).hexdigest()


def check_signature(
    secret_key: str,
    method: str,
    key: str,
    expires: int | str,
    sig: str,
    content_type: str = "",
    upload_id: str = "",
    part_number: int | str | None = None,
    now: float | None = None,
) -> bool:
    """True when ``sig`` matches and the URL has not expired; constant-time comparison."""
    try:
        expires_at = int(expires)
        part = None if part_number in (None, "") else int(part_number)
    except (TypeError, ValueError):
        return False
    expected = signature(secret_key, method, key, expires_at, content_type, upload_id, part)
    valid = hmac.compare_digest(expected.encode(), (sig or "").encode())
    return valid and expires_at >= (time.time() if now is None else now)


class UrlSigner:
    """Signs URLs for one store: the derived key and the URL prefix are made once, and the
    HMAC starts from a copy of a keyed state instead of re-keying per URL."""

    def __init__(self, base_url: str, secret_key: str) -> None:
        self.prefix = f"{base_url.rstrip('/')}/storage/"
        self._mac = hmac.new(_signing_key(secret_key), digestmod=hashlib.sha256)

    def signature(
        self,
        method: str,
        key: str,
        expires: int,
        content_type: str = "",
        upload_id: str = "",
        part_number: int | None = None,
    ) -> str:
        part = "" if part_number is None else str(int(part_number))
        message = f"{method.upper()}\n{key}\n{int(expires)}\n{content_type}\n{upload_id}\n{part}"
        mac = self._mac.copy()
        mac.update(message.encode())
        return mac.hexdigest()

    def url(
        self,
        method: str,
        key: str,
        expires: int,
        content_type: str = "",
        upload_id: str = "",
        part_number: int | None = None,
    ) -> str:
        """The same URL as `signed_url` (every query value is URL-safe: digits, a method
        name, a hex signature; upload ids are checked as hex by the store)."""
        sig = self.signature(method, key, expires, content_type, upload_id, part_number)
        query = f"expires={int(expires)}&method={method.upper()}"
        if upload_id:
            query += f"&upload_id={quote(upload_id, safe='')}"
        if part_number is not None:
            query += f"&part={int(part_number)}"
        return f"{self.prefix}{quote(key, safe='/')}?{query}&sig={sig}"


def signed_url(
    base_url: str,
    secret_key: str,
    method: str,
    key: str,
    expires: int,
    content_type: str = "",
    upload_id: str = "",
    part_number: int | None = None,
) -> str:
    """One URL without a store at hand (a store keeps its UrlSigner)."""
    signer = UrlSigner(base_url, secret_key)
    return signer.url(method, key, expires, content_type, upload_id, part_number)
