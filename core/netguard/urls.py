"""What a link must look like before any connection: http(s), a host, no credentials.

One parser (httpx's) reads the URL here and in the transport that connects, so the host
that is checked is the host that is reached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from core.netguard.addresses import IPAddress, normalize, parse_literal
from core.netguard.errors import UrlNotAllowed

MAX_URL_LENGTH = 4096
SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters parsers disagree about (\ is / to browsers, not to others) or that smuggle lines.
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
# 127.1, 0x7f.0.0.1, 2130706433, 0177.0.0.1: numbers resolvers read in surprising ways.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


@dataclass(frozen=True)
class LinkTarget:
    """A syntactically acceptable link: where it points, before any name is resolved."""

    url: httpx.URL
    scheme: str
    host: str  # IDNA-encoded name, or the address of a literal without brackets
    port: int
    literal: IPAddress | None  # the host when it is an IP literal


def parse_link(url: str | httpx.URL, *, require_https: bool = False) -> LinkTarget:
    """Refuse what no address check could save: other schemes, credentials, odd hosts."""
    text = str(url)
    if len(text) > MAX_URL_LENGTH:
        raise UrlNotAllowed(f"Links can be at most {MAX_URL_LENGTH} characters long.")
    if _BAD_CHARS.search(text):
        raise UrlNotAllowed("The link contains spaces, control characters or backslashes.")
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme not in SCHEMES:
        shown = f"{scheme}:" if scheme else "this kind of"
        raise UrlNotAllowed(f"Only http and https links are allowed, not {shown} links.")
    if require_https and scheme != "https":
        raise UrlNotAllowed("Only https links are allowed.")
    authority = text.split("//", 1)[1] if "//" in text else ""
    authority = re.split(r"[/?#]", authority, maxsplit=1)[0]
    if "@" in authority:
        raise UrlNotAllowed("Links with a user name or password in them are not allowed.")
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise UrlNotAllowed(f"That is not a valid link ({exc}).") from None
    host = parsed.raw_host.decode("ascii").lower().rstrip(".")
    if not host:
        raise UrlNotAllowed("The link has no host.")
    if "%" in host:
        raise UrlNotAllowed("Links to addresses with a zone (%...) are not allowed.")
    literal = parse_literal(host)
    if literal is None and all(_NUMERIC_LABEL.match(p) for p in host.split(".")):
        raise UrlNotAllowed(f"The host {host} is an address written in an unusual form.")
    port = parsed.port or _DEFAULT_PORTS[scheme]
    return LinkTarget(
        url=parsed,
        scheme=scheme,
        host=host,
        port=port,
        literal=normalize(literal) if literal is not None else None,
    )
