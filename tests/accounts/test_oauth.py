"""OAuth / OIDC sign-in: the full authorization-code flow against a real authorization server
(authlib's server components on 127.0.0.1), with the test playing the browser."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.config import OAuthProvider
from orm.models import CreditTransaction, OAuthIdentity, User
from tests.accounts.conftest import ME, REFRESH, sign_up
from tests.servers.oauth_server import Person, TestProvider, running_provider

REDIRECT = "http://app.example/auth/done"


@pytest.fixture
async def provider(settings: Any, override_settings: Any) -> AsyncIterator[TestProvider]:
    """One server playing two providers: `corp` (OpenID Connect, by discovery) and `github`
    (plain OAuth 2 and a GitHub-shaped REST API, as GitHub has no OIDC for sign-in)."""
    async with running_provider() as idp:
        corp = idp.register_client(f"{settings.public_base_url}/auth/corp/callback")
        github = idp.register_client(f"{settings.public_base_url}/auth/github/callback")
        config = {
            "corp": {
                "client_id": corp.client_id,
                "client_secret": corp.client_secret,
                "server_metadata_url": idp.metadata_url,
            },
            "github": {
                "client_id": github.client_id,
                "client_secret": github.client_secret,
                "authorize_url": f"{idp.issuer}/authorize",
                "access_token_url": f"{idp.issuer}/token",
                "api_base_url": f"{idp.issuer}/api/",
                "scope": "email",
            },
        }
        providers = {name: OAuthProvider(**cfg) for name, cfg in config.items()}
        override_settings(oauth_providers=providers, oauth_redirect_url=REDIRECT)
        yield idp


async def sign_in(
    client: httpx.AsyncClient, provider: TestProvider, person: Person | None, name: str = "corp"
) -> dict[str, str]:
    """Browser: app login -> provider consent -> app callback -> the client's redirect URL."""
    start = await client.get(f"/auth/{name}/login")
    assert start.status_code == 302
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0]
    assert query["redirect_uri"] == [f"http://testserver/auth/{name}/callback"]
    if name == "corp":
        assert query["nonce"][0]

    if person is None:
        provider.deny_next = True
    else:
        provider.login_as(person)
    async with httpx.AsyncClient() as browser:
        consent = await browser.get(authorize)
    assert consent.status_code == 302
    callback = consent.headers["location"]
    assert callback.startswith(f"http://testserver/auth/{name}/callback?")

    done = await client.get(callback)
    return landing(done)


def landing(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "#")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def person(tag: str = "eve", verified: bool = True) -> Person:
    return Person(
        sub=f"corp-{uuid.uuid4().hex[:8]}",
        email=f"{tag}-{uuid.uuid4().hex[:6]}@Example.com",
        email_verified=verified,
    )


async def test_first_sign_in_creates_the_user_and_hands_over_a_session(
    client: httpx.AsyncClient, gql: Any, provider: TestProvider, settings: Any
) -> None:
    eve = person()
    session = await sign_in(client, provider, eve)
    assert session["token_type"] == "Bearer"
    assert provider.token_requests == 1

    me = await gql(ME, token=session["access_token"])
    assert me["data"]["me"]["email"] == eve.email.lower()
    assert me["data"]["me"]["credits"]["minutesRemaining"] == settings.signup_grant_minutes
    user = await User.get(email=eve.email.lower())
    assert user.password_hash is None
    assert await OAuthIdentity.filter(user_id=user.id, provider="corp", subject=eve.sub).exists()
    assert await CreditTransaction.filter(reference=f"signup:{user.id}").count() == 1

    refreshed = await gql(REFRESH, {"refreshToken": session["refresh_token"]})
    assert refreshed["data"]["refreshSession"]["errors"] == []

    # Signing in again finds the same user (by the provider's subject, even if the email changed).
    again = await sign_in(client, provider, Person(sub=eve.sub, email="renamed@example.com"))
    me = await gql(ME, token=again["access_token"])
    assert me["data"]["me"]["email"] == eve.email.lower()
    assert await User.filter(email="renamed@example.com").count() == 0


async def test_a_verified_email_links_to_the_existing_account(
    client: httpx.AsyncClient, gql: Any, provider: TestProvider
) -> None:
    email = f"linda-{uuid.uuid4().hex[:6]}@example.com"
    created = await sign_up(gql, email)
    user_id = created["session"]["user"]["id"]

    session = await sign_in(client, provider, Person(sub="corp-linda", email=email.upper()))
    me = await gql(ME, token=session["access_token"])
    assert me["data"]["me"]["id"] == user_id
    assert await User.filter(email=email).count() == 1


async def test_an_unverified_email_never_links_or_creates(
    client: httpx.AsyncClient, gql: Any, provider: TestProvider
) -> None:
    email = f"victim-{uuid.uuid4().hex[:6]}@example.com"
    await sign_up(gql, email)
    result = await sign_in(
        client, provider, Person(sub="corp-mallory", email=email, email_verified=False)
    )
    assert result == {"error": "OAUTH_EMAIL_REQUIRED"}
    assert not await OAuthIdentity.filter(subject="corp-mallory").exists()


async def test_denied_consent_and_forged_callbacks_give_no_session(
    client: httpx.AsyncClient, provider: TestProvider
) -> None:
    assert await sign_in(client, provider, None) == {"error": "access_denied"}

    # A callback whose state this browser never started (login CSRF) is refused.
    forged = await client.get("/auth/corp/callback", params={"code": "stolen", "state": "made-up"})
    assert landing(forged) == {"error": "mismatching_state"}
    assert provider.token_requests == 0

    # A callback URL replayed after use is refused too.
    eve = person()
    start = await client.get("/auth/corp/login")
    provider.login_as(eve)
    async with httpx.AsyncClient() as browser:
        callback = (await browser.get(start.headers["location"])).headers["location"]
    assert "access_token" in landing(await client.get(callback))
    assert landing(await client.get(callback)) == {"error": "mismatching_state"}


async def test_unknown_provider_is_404(client: httpx.AsyncClient, provider: TestProvider) -> None:
    assert (await client.get("/auth/nope/login")).status_code == 404
    assert (await client.get("/auth/nope/callback")).status_code == 404


async def test_github_style_provider_reads_the_primary_verified_email(
    client: httpx.AsyncClient, gql: Any, provider: TestProvider
) -> None:
    octo = Person(sub="583231", email=f"octo-{uuid.uuid4().hex[:6]}@example.com")
    session = await sign_in(client, provider, octo, "github")
    me = await gql(ME, token=session["access_token"])
    assert me["data"]["me"]["email"] == octo.email
    assert await OAuthIdentity.filter(provider="github", subject="583231").exists()

    hidden = Person(
        sub="583232", email=f"hidden-{uuid.uuid4().hex[:6]}@example.com", email_verified=False
    )
    assert await sign_in(client, provider, hidden, "github") == {"error": "OAUTH_EMAIL_REQUIRED"}
