"""Presigned S3 GET URLs (SigV4, query string) without botocore's per-URL machinery.

botocore builds a request object, runs its event hooks and derives the signing key for
every URL: about 150 µs each, and an UploadDetail answer carries 250 of them. Here the
signing key is derived once per UTC day and store, the parts of the URL that never
change are formatted once, and a URL costs two SHA-256 HMAC/hash calls and some string
formatting. The output is the URL botocore makes (same canonical request, same
encoding, path-style addressing); the tests compare both and fetch through it.
Only for static credentials: with session tokens the store keeps using botocore.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class QueryPresigner:
    """Presigns GET object URLs on one bucket of one endpoint (path-style)."""

    def __init__(
        self, endpoint_url: str, bucket: str, access_key: str, secret_key: str, region: str
    ) -> None:
        parts = urlsplit(endpoint_url)
        self.host = parts.netloc  # botocore signs host[:port] as the URL carries it
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.path_prefix = f"{parts.path.rstrip('/')}/{quote(bucket, safe='')}/"
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self._day = ""
        self._key = b""
        self._scope = ""
        self._credential = ""

    def _day_key(self, day: str) -> None:
        """The signing key and credential scope of one UTC day (derived once per day)."""
        if day == self._day:
            return
        key = _hmac(("AWS4" + self.secret_key).encode(), day)
        key = _hmac(_hmac(_hmac(key, self.region), "s3"), "aws4_request")
        self._scope = f"{day}/{self.region}/s3/aws4_request"
        self._credential = quote(f"{self.access_key}/{self._scope}", safe="")
        self._key = key
        self._day = day

    def get_url(self, key: str, expires_in: int, now: float | None = None) -> str:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
        self._day_key(stamp[:8])
        path = self.path_prefix + quote(key, safe="/~")
        query = (
            f"X-Amz-Algorithm={ALGORITHM}&X-Amz-Credential={self._credential}"
            f"&X-Amz-Date={stamp}&X-Amz-Expires={int(expires_in)}&X-Amz-SignedHeaders=host"
        )
        canonical = f"GET\n{path}\n{query}\nhost:{self.host}\n\nhost\nUNSIGNED-PAYLOAD"
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"{ALGORITHM}\n{stamp}\n{self._scope}\n{digest}"
        signature = hmac.new(self._key, to_sign.encode(), hashlib.sha256).hexdigest()
        return f"{self.origin}{path}?{query}&X-Amz-Signature={signature}"
