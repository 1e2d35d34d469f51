"""One delivery attempt of a webhook: a signed POST through the SSRF guard, classified.

A 2xx within the time limit (10 s) is success; anything else (another status, a redirect,
which is never followed, a timeout, a refused connection, an address the guard refuses
now) is a failure to retry on the schedule in core.webhooks.schedule. The result says what
happened in a few words for the user's ``deliveries`` list; nothing here raises for the
receiver's behaviour.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from core.netguard import HostNotFound, NetGuard, UrlNotAllowed, guarded_client
from core.webhooks.schedule import ATTEMPT_TIMEOUT_SECONDS
from core.webhooks.signing import signature_headers

USER_AGENT = "Clipforge-Webhooks/1.0"
EXCERPT_BYTES = 512


@dataclass(frozen=True)
class DeliveryResult:
    succeeded: bool
    status_code: int | None  # None when no answer came
    error: str | None  # why it failed, in a few words
    attempted_at: datetime
    duration_ms: int
    response_excerpt: str = ""  # the start of the receiver's answer, for the user

    @property
    def should_retry(self) -> bool:
        return not self.succeeded


async def _excerpt(response: httpx.Response) -> str:
    data = bytearray()
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= EXCERPT_BYTES:
            break
    return bytes(data[:EXCERPT_BYTES]).decode("utf-8", "replace")


def _failure_of(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, UrlNotAllowed | HostNotFound):
        return f"{exc.code}: {exc.message}"
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed (refused or unreachable)"
    return f"connection error: {type(exc).__name__}"


async def deliver(
    url: str,
    *,
    secret: str | Sequence[str],
    message_id: str,
    body: bytes,
    guard: NetGuard,
    time_limit: float = ATTEMPT_TIMEOUT_SECONDS,
    require_https: bool = False,
) -> DeliveryResult:
    """POST the event body to url once, signed for this attempt; never raises for the
    receiver (its failures come back as a result to retry)."""
    attempted_at = datetime.now(UTC)
    started = time.monotonic()

    def result(
        ok: bool, status: int | None, error: str | None, excerpt: str = ""
    ) -> DeliveryResult:
        spent = int((time.monotonic() - started) * 1000)
        return DeliveryResult(ok, status, error, attempted_at, spent, excerpt)

    try:
        guard.check_syntax(url, require_https=require_https)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signature_headers(secret, message_id, body),
        }
        async with asyncio.timeout(time_limit), guarded_client(guard, timeout=time_limit) as client:
            request = client.build_request("POST", url, content=body, headers=headers)
            response = await client.send(request, stream=True)
            try:
                excerpt = await _excerpt(response)
            finally:
                await response.aclose()
    except (UrlNotAllowed, HostNotFound, TimeoutError, httpx.TransportError) as exc:
        return result(False, None, _failure_of(exc, time_limit))
    status = response.status_code
    if 200 <= status < 300:
        return result(True, status, None, excerpt)
    if 300 <= status < 400:
        return result(False, status, f"HTTP {status}: redirects are not followed", excerpt)
    return result(False, status, f"HTTP {status}", excerpt)
