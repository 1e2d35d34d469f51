"""An httpx client whose every connection goes through the guard.

The connection pool's network backend resolves each host through ``NetGuard.addresses``
and opens the socket to one of exactly those addresses; TLS still gets the host name (SNI
and certificate check) and the request keeps its Host header. Pooled connections are reused
only for the same origin, which was checked when the connection was opened. Environment
proxies and .netrc are ignored (trust_env=False): a proxy would make the checked address
meaningless, and netrc would add credentials.
"""

from __future__ import annotations

import functools
import ssl
import typing

import httpcore
import httpx

from core.netguard.errors import UrlNotAllowed
from core.netguard.guard import NetGuard

SocketOption = typing.Any  # httpcore's socket option tuples


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """Certificate verification with certifi's roots, built once (loading them is slow)."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the guard's addresses for a host, one after the other until one answers."""

    def __init__(self, guard: NetGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        options = list(socket_options or ())
        failure: Exception | None = None
        for ip in await self.guard.addresses(host, port):
            try:
                return await self.inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # addresses() never answers an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UrlNotAllowed("Unix sockets are not allowed.")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the pool rebuilt on the guarded backend (HTTP/1.1, no proxy)."""

    def __init__(
        self,
        guard: NetGuard,
        *,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        """Certificates are always verified; ``ssl_context`` may only change the trusted roots."""
        limits = limits or httpx.Limits(max_connections=10, max_keepalive_connections=5)
        context = ssl_context or default_ssl_context()
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(guard),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A caller-chosen SNI name would let TLS name one host while Host names another.
        request.extensions.pop("sni_hostname", None)
        return await super().handle_async_request(request)


def guarded_client(
    guard: NetGuard,
    *,
    timeout: httpx.Timeout | float = 30.0,
    headers: dict[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient that never follows redirects by itself: callers check every hop."""
    return httpx.AsyncClient(
        transport=GuardedTransport(guard, ssl_context=ssl_context),
        follow_redirects=False,
        trust_env=False,
        timeout=timeout,
        headers=headers,
    )
