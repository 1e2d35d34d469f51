"""The GraphiQL page and its files, all from this origin.

Strawberry's own page loads React and GraphiQL from unpkg.com, so offline, on-premises
and air-gapped users saw "Loading..." forever. Here the same npm packages' built files
are fetched at install or image build time (scripts/graphiql-assets.sh, pinned by
scripts/graphiql/package-lock.json) into `static/`, and the page's Content-Security-Policy
lets it load scripts, styles and data from this origin only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
VENDORED = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
    "plugin-explorer.umd.js",
    "plugin-explorer.css",
    "THIRD_PARTY_LICENSES.txt",
)
FILES = {
    **{name: STATIC / name for name in VENDORED},
    "init.js": HERE / "init.js",
    "ide.css": HERE / "ide.css",
}
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",  # fetch, and the WebSocket of subscriptions (same host)
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MISSING = (
    "GraphiQL's files are not installed on this server. Run scripts/graphiql-assets.sh "
    "(needs npm; scripts/setup.sh and the Docker image do it) and restart the api."
)


def installed() -> bool:
    return all((STATIC / name).is_file() for name in VENDORED)


@cache
def _html() -> str:
    return (HERE / "page.html").read_text()


def page() -> Response:
    """The page, or a plain 503 saying what to run when the files are missing."""
    if not installed():
        return PlainTextResponse(MISSING, status_code=503, headers=HEADERS)
    return HTMLResponse(_html(), headers={**HEADERS, "Cache-Control": "no-cache"})


async def asset(request: Request) -> Response:
    path = FILES.get(request.path_params["name"])
    if path is None or not path.is_file():
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(path, headers={**HEADERS, "Cache-Control": "public, max-age=3600"})


routes = [Route("/graphiql/{name}", asset, methods=["GET", "HEAD"])]
