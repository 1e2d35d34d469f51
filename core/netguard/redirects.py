"""Follow redirects one hop at a time, checking every Location before it is requested.

httpx's own redirect handling is off on guarded clients: here each hop is parsed with the
same rules as the first link (scheme, credentials, literal addresses); its connection is
then checked by the transport. At most five redirects, as browsers' limits go down to.
"""

from __future__ import annotations

import httpx

from core.netguard.guard import NetGuard
from core.netguard.urls import LinkTarget

MAX_REDIRECTS = 5
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


def next_hop(
    response: httpx.Response, guard: NetGuard, *, require_https: bool = False
) -> LinkTarget | None:
    """Where a redirect response points (checked), or None when it is not a redirect."""
    if response.status_code not in REDIRECT_CODES:
        return None
    location = response.headers.get("location")
    if not location:
        return None
    return guard.check_syntax(response.url.join(location), require_https=require_https)


async def open_following(
    client: httpx.AsyncClient,
    guard: NetGuard,
    url: str | httpx.URL,
    *,
    headers: dict[str, str] | None = None,
    max_redirects: int = MAX_REDIRECTS,
    require_https: bool = False,
) -> httpx.Response:
    """GET url, following up to max_redirects checked hops; the answer is open (streamed).

    The caller closes it. Raises UrlNotAllowed for a refused hop and httpx.TooManyRedirects.
    """
    target = guard.check_syntax(url, require_https=require_https)
    for _hop in range(max_redirects + 1):
        request = client.build_request("GET", target.url, headers=headers)
        response = await client.send(request, stream=True)
        try:
            hop = next_hop(response, guard, require_https=require_https)
        except BaseException:
            await response.aclose()
            raise
        if hop is None:
            return response
        await response.aclose()
        target = hop
    raise httpx.TooManyRedirects(f"More than {max_redirects} redirects.", request=response.request)
