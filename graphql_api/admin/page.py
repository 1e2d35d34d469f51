"""GET /admin: the operators' dashboard, one static page that talks to /graphql.

The page itself holds no data; everything it shows comes from admin-only GraphQL fields
with the token of an administrator who signed in on it. Its inline script is allowed by
hash in a strict Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

PAGE = Path(__file__).with_name("page.html")
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


@lru_cache(maxsize=1)
def page_and_policy() -> tuple[str, str]:
    html = PAGE.read_text(encoding="utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _SCRIPT.findall(html)
    )
    policy = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; "
        "base-uri 'none'"
    )
    return html, policy


async def admin_page(request: Request) -> HTMLResponse:
    html, policy = page_and_policy()
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


routes: list[BaseRoute] = [Route("/admin", admin_page, methods=["GET"])]
