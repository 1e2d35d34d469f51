"""The configured exceptions to the guard: host names and address ranges that may be reached.

Parsed once from the comma-separated setting (``CLIPFORGE_IMPORT_ALLOWED_HOSTS``) into a
typed, hashable value. A name opens exactly that host, whatever it resolves to; an address
or CIDR opens the addresses in it, written as a literal or resolved from a name, except the
names that mean "this machine" (``localhost``, ``*.localhost``, RFC 6761): those open only
when listed by name, so opening one test server's address never opens the whole host.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

from core.netguard.addresses import IPAddress, IPNetwork, normalize


def normalize_host(host: str) -> str:
    """Lower case, no trailing dot, IDNA (punycode) form: how names are compared."""
    name = host.strip().rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def is_local_name(host: str) -> bool:
    name = normalize_host(host)
    return name == "localhost" or name.endswith(".localhost")


@dataclass(frozen=True)
class HostAllowance:
    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> HostAllowance:
        """``"media.example.com, 10.20.0.0/16, 127.0.0.1, ::1"``; raise ValueError on nonsense."""
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in (text or "").split(","):
            entry = raw.strip()
            if not entry:
                continue
            literal = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
            try:
                networks.append(ipaddress.ip_network(literal, strict=False))
                continue
            except ValueError:
                pass
            name = normalize_host(entry)
            if not name or any(c in name for c in "/:@ *?") or name.replace(".", "").isdigit():
                raise ValueError(f"not a host name, address or CIDR: {entry!r}")
            names.add(name)
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return normalize_host(host) in self.names

    def allows_address(self, ip: IPAddress) -> bool:
        ip = normalize(ip)
        return any(ip.version == net.version and ip in net for net in self.networks)

    def __bool__(self) -> bool:
        return bool(self.names or self.networks)


NO_EXCEPTIONS = HostAllowance()


@functools.lru_cache(maxsize=16)
def parse_allowance(text: str) -> HostAllowance:
    """The allowance for a setting's text, parsed once per distinct value."""
    return HostAllowance.parse(text)
