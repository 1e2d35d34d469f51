"""Outbound requests to links users give (imports, webhooks) without reaching inside.

Only http(s), no credentials in links, and never to loopback, private, link-local, cloud
metadata, multicast or reserved addresses unless the configured allowance opens them;
checked on the resolved address of every connection, which then goes to that very address.
"""

from core.netguard.addresses import IPAddress, refusal_reason
from core.netguard.allowance import NO_EXCEPTIONS, HostAllowance, parse_allowance
from core.netguard.errors import HostNotFound, UrlNotAllowed
from core.netguard.guard import CheckedLink, NetGuard, Resolver, system_resolver
from core.netguard.redirects import MAX_REDIRECTS, next_hop
from core.netguard.transport import GuardedTransport, guarded_client
from core.netguard.urls import LinkTarget, parse_link

__all__ = [
    "MAX_REDIRECTS",
    "NO_EXCEPTIONS",
    "CheckedLink",
    "GuardedTransport",
    "HostAllowance",
    "HostNotFound",
    "IPAddress",
    "LinkTarget",
    "NetGuard",
    "Resolver",
    "UrlNotAllowed",
    "guarded_client",
    "next_hop",
    "parse_allowance",
    "parse_link",
    "refusal_reason",
    "system_resolver",
]
