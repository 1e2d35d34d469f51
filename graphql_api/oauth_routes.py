"""Sign-in with Google, GitHub or any OpenID Connect provider (authlib's Starlette client).

`/auth/{provider}/login` sends the browser to the provider (state, nonce and PKCE kept in
a short-lived signed session cookie); `/auth/{provider}/callback` exchanges the code, reads
who signed in, links or creates the user, and hands the client a session by redirecting to
`oauth_redirect_url` with the tokens in the URL fragment (never sent to any server, never
logged): `#access_token=...&refresh_token=...&expires_at=...`, or `#error=...`.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from core.config import Settings, get_settings
from core.errors import DomainError
from resolvers import accounts

log = logging.getLogger("clipforge.oauth")

GOOGLE_METADATA = "https://accounts.google.com/.well-known/openid-configuration"
SESSION_COOKIE = "clipforge_oauth"


def provider_configs(settings: Settings) -> dict[str, dict[str, Any]]:
    """Providers with credentials: Google (OIDC), GitHub (OAuth 2 + its API), and the
    `oauth_providers` JSON: {"name": {"client_id", "client_secret", "server_metadata_url"
    (OIDC discovery) or authorize_url/access_token_url/userinfo_endpoint, "scope"}}."""
    found: dict[str, dict[str, Any]] = {}
    if settings.google_client_id and settings.google_client_secret:
        found["google"] = {
            "client_id": settings.google_client_id,
            "client_secret": settings.google_client_secret,
            "server_metadata_url": GOOGLE_METADATA,
            "scope": "openid email profile",
        }
    if settings.github_client_id and settings.github_client_secret:
        found["github"] = {
            "client_id": settings.github_client_id,
            "client_secret": settings.github_client_secret,
            "authorize_url": "https://github.com/login/oauth/authorize",
            "access_token_url": "https://github.com/login/oauth/access_token",
            "api_base_url": "https://api.github.com/",
            "scope": "read:user user:email",
        }
    for name, provider in settings.oauth_providers.items():
        found[name] = provider.model_dump()
    return found


_registries: dict[str, OAuth] = {}


def registry(settings: Settings) -> OAuth:
    """One authlib registry per provider configuration (settings can change in tests)."""
    configs = provider_configs(settings)
    key = json.dumps(configs, sort_keys=True)
    oauth = _registries.get(key)
    if oauth is None:
        oauth = OAuth()
        for name, config in configs.items():
            config = dict(config)
            scope = config.pop("scope", "openid email profile")
            oauth.register(
                name,
                client_kwargs={"scope": scope, "code_challenge_method": "S256"},
                **config,
            )
        _registries.clear()
        _registries[key] = oauth
    return oauth


def _client(request: Request) -> StarletteOAuth2App | None:
    client = registry(get_settings()).create_client(request.path_params["provider"])
    return client if isinstance(client, StarletteOAuth2App) else None


def _finish(fragment: dict[str, str]) -> RedirectResponse:
    url = f"{get_settings().oauth_redirect_url}#{urlencode(fragment)}"
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def login(request: Request) -> Response:
    client = _client(request)
    if client is None:
        return JSONResponse({"error": "unknown provider"}, status_code=404)
    provider = request.path_params["provider"]
    redirect_uri = f"{get_settings().public_base_url.rstrip('/')}/auth/{provider}/callback"
    response: Response = await client.authorize_redirect(request, redirect_uri)
    return response


async def _identity(
    provider: str, client: StarletteOAuth2App, token: dict[str, Any]
) -> tuple[str, str | None, bool]:
    """(subject, email, email verified) from the ID token, else the provider's API."""
    info = token.get("userinfo")
    if info is None and provider == "github":
        user = (await client.get("user", token=token)).json()
        emails = (await client.get("user/emails", token=token)).json()
        primary = (
            next((e for e in emails if e.get("primary")), None)
            if isinstance(emails, list)
            else None
        )
        if primary is None:
            return str(user["id"]), None, False
        return str(user["id"]), primary.get("email"), bool(primary.get("verified"))
    if info is None:
        info = await client.userinfo(token=token)
    return str(info["sub"]), info.get("email"), info.get("email_verified") is True


async def callback(request: Request) -> Response:
    client = _client(request)
    if client is None:
        return JSONResponse({"error": "unknown provider"}, status_code=404)
    provider = request.path_params["provider"]
    try:
        token = await client.authorize_access_token(request)
        subject, email, verified = await _identity(provider, client, token)
        user = await accounts.oauth_user(provider, subject, email, verified)
    except OAuthError as exc:
        log.info("OAuth sign-in with %s refused: %s", provider, exc.error)
        return _finish({"error": exc.error or "oauth_error"})
    except DomainError as exc:
        return _finish({"error": exc.code})
    except Exception:  # the provider's network, documents or tokens: never a 500 page
        log.warning("OAuth sign-in with %s failed", provider, exc_info=True)
        return _finish({"error": "SIGN_IN_FAILED"})
    session = await accounts.start_session(user)
    return _finish(
        {
            "access_token": session.access_token,
            "refresh_token": session.refresh_token,
            "expires_at": session.expires_at.isoformat(),
            "token_type": "Bearer",
        }
    )


def routes(settings: Settings) -> list[BaseRoute]:
    """Mounted at /auth with their own session cookie (authlib keeps state there)."""
    session = Middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=600,
        path="/auth",
        same_site="lax",
        https_only=settings.is_production,
    )
    return [
        Mount(
            "/auth",
            routes=[
                Route("/{provider}/login", login, methods=["GET"]),
                Route("/{provider}/callback", callback, methods=["GET", "POST"]),
            ],
            middleware=[session],
        )
    ]
