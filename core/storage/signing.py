"""HMAC-signed URLs for the local backend, the stand-in for S3 presigned URLs.

The signature covers the method, key, expiry, the content type a PUT must carry and, for a
multipart part, the upload id and part number, so none of them can be changed by a client.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from urllib.parse import quote, urlencode

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
    query: dict[str, str] = {"expires": str(expires), "method": method.upper()}
    if upload_id:
        query["upload_id"] = upload_id
    if part_number is not None:
        query["part"] = str(part_number)
    query["sig"] = signature(secret_key, method, key, expires, content_type, upload_id, part_number)
    return f"{base_url.rstrip('/')}/storage/{quote(key, safe='/')}?{urlencode(query)}"
