"""The guard: resolve a host once, refuse it unless every address may be reached.

The same call serves the api (check a link when it is given), the transport (check the
address of every connection, and connect to exactly those addresses) and the yt-dlp proxy,
so a name cannot resolve to one address when checked and to another when connected.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import httpx

from core.netguard.addresses import IPAddress, normalize, parse_literal, refusal_reason
from core.netguard.allowance import NO_EXCEPTIONS, HostAllowance, is_local_name
from core.netguard.errors import HostNotFound, UrlNotAllowed
from core.netguard.urls import LinkTarget, parse_link

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
MAX_ADDRESSES = 8  # a host with more is tried on its first few


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The operating system's resolver (getaddrinfo), TCP addresses in its order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = parse_literal(str(sockaddr[0]).split("%", 1)[0])
        if ip is not None:
            found.append(ip)
    return found


@dataclass(frozen=True)
class CheckedLink:
    """A link whose host resolved to addresses the guard allows (at the time of checking)."""

    target: LinkTarget
    addresses: tuple[IPAddress, ...]

    @property
    def url(self) -> httpx.URL:
        return self.target.url


def _refusal(shown: str, ip: IPAddress, why: str) -> UrlNotAllowed:
    where = shown if shown == str(ip) else f"{shown} ({ip})"
    return UrlNotAllowed(
        f"Links to private, local or reserved addresses are not allowed: {where} is {why}."
    )


@dataclass(frozen=True)
class NetGuard:
    """Outbound-request policy: exceptions from configuration, a resolver, a DNS time limit."""

    allowance: HostAllowance = NO_EXCEPTIONS
    resolver: Resolver = field(default=system_resolver)
    resolve_timeout: float = 10.0

    def check_address(self, ip: IPAddress, shown: str | None = None) -> None:
        """Raise UrlNotAllowed unless the address is public or in an allowed range.

        Pure: it never connects, so private and metadata addresses are tested with it.
        """
        ip = normalize(ip)
        if self.allowance.allows_address(ip):
            return
        why = refusal_reason(ip)
        if why is not None:
            raise _refusal(shown or str(ip), ip, why)

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to for host:port, every one allowed, else a refusal."""
        literal = parse_literal(host)
        if literal is not None:
            self.check_address(literal)
            return [normalize(literal)]
        if not host or "%" in host or "/" in host:
            raise UrlNotAllowed(f"The host {host!r} is not allowed.")
        named = self.allowance.allows_name(host)
        if is_local_name(host) and not named:
            raise UrlNotAllowed(
                f"Links to {host} (this machine) are not allowed unless it is listed by name."
            )
        try:
            async with asyncio.timeout(self.resolve_timeout):
                found = list(await self.resolver(host, port))
        except TimeoutError:
            raise HostNotFound(host) from None
        unique = list(dict.fromkeys(normalize(ip) for ip in found))
        if not unique:
            raise HostNotFound(host)
        if named:
            return unique[:MAX_ADDRESSES]
        for ip in unique:  # one refused address refuses the host: no fallback games
            self.check_address(ip, shown=host)
        return unique[:MAX_ADDRESSES]

    def check_syntax(self, url: str | httpx.URL, *, require_https: bool = False) -> LinkTarget:
        """The checks that need no network: scheme, credentials, literal addresses."""
        target = parse_link(url, require_https=require_https)
        if target.literal is not None:
            self.check_address(target.literal)
        return target

    async def check_url(self, url: str | httpx.URL, *, require_https: bool = False) -> CheckedLink:
        """Everything the api checks when a link is given: syntax, then every resolved address.

        Connections check again (addresses change); this answers the user at once.
        """
        target = self.check_syntax(url, require_https=require_https)
        found = await self.addresses(target.host, target.port)
        return CheckedLink(target, tuple(found))
