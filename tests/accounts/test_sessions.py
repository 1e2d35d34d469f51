"""Sign up, log in, refresh, log out over HTTP GraphQL, on real Postgres and Redis."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher

from orm.ledger import ledger_sum
from orm.models import CreditTransaction, RefreshToken, User
from orm.models.enums import CreditKind
from resolvers.auth.secrets import hash_secret
from tests.accounts.conftest import LOG_IN, LOG_OUT, ME, REFRESH, SIGN_UP, STRONG_PASSWORD, sign_up


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


async def test_sign_up_gives_a_session_and_the_signup_grant(gql: Any, settings: Any) -> None:
    email = unique_email("Ann").upper()
    payload = await sign_up(gql, f"  {email} ")
    assert payload["errors"] == []
    session = payload["session"]
    assert session["user"]["email"] == email.lower()
    assert session["user"]["isAdmin"] is False
    assert session["refreshToken"].startswith("cfr_")

    me = await gql(ME, token=session["accessToken"])
    assert me["data"]["me"]["email"] == email.lower()
    assert me["data"]["me"]["credits"]["minutesRemaining"] == settings.signup_grant_minutes

    user = await User.get(email=email.lower())
    grant = await CreditTransaction.get(user_id=user.id)
    assert (grant.kind, grant.minutes, grant.reference) == (
        CreditKind.GRANT,
        settings.signup_grant_minutes,
        f"signup:{user.id}",
    )
    assert user.minutes_balance == await ledger_sum(user.id) == settings.signup_grant_minutes
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert STRONG_PASSWORD not in user.password_hash


async def test_email_taken_whatever_its_case(gql: Any) -> None:
    email = unique_email()
    assert (await sign_up(gql, email))["errors"] == []
    again = await sign_up(gql, email.upper())
    assert again["session"] is None
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("EMAIL_TAKEN", "email")]
    assert await User.filter(email=email).count() == 1


@pytest.mark.parametrize(
    "email", ["", "no-at-sign", "a@b", "two@@example.com", "sp ace@example.com", ".a@example.com"]
)
async def test_invalid_email(gql: Any, email: str) -> None:
    payload = await sign_up(gql, email)
    assert payload["session"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_EMAIL", "email")]


@pytest.mark.parametrize(
    "password",
    ["short1!", "aaaaaaaaaaaaaaa", "password123", "Password1!", "x" * 300, "{local}-secret-99"],
)
async def test_weak_password(gql: Any, password: str) -> None:
    email = unique_email("weakling")
    payload = await sign_up(gql, email, password.format(local=email.split("@")[0]))
    assert payload["session"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("WEAK_PASSWORD", "password")]
    assert not await User.exists(email=email)


async def test_admin_emails_get_the_admin_role(gql: Any, override_settings: Any) -> None:
    boss = unique_email("boss")
    override_settings(admin_emails=f"someone@example.com, {boss.upper()}")
    payload = await sign_up(gql, boss)
    assert payload["session"]["user"]["isAdmin"] is True
    assert (await sign_up(gql, unique_email()))["session"]["user"]["isAdmin"] is False


async def test_log_in_and_the_same_answer_for_unknown_email_and_wrong_password(
    gql: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers.auth import passwords

    email = unique_email()
    await sign_up(gql, email)

    ok = await gql(LOG_IN, {"input": {"email": email.upper(), "password": STRONG_PASSWORD}})
    session = ok["data"]["logIn"]["session"]
    assert session["user"]["email"] == email
    me = await gql(ME, token=session["accessToken"])
    assert me["data"]["me"]["email"] == email

    verified: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    wrong = await gql(LOG_IN, {"input": {"email": email, "password": "not the password!"}})
    unknown = await gql(
        LOG_IN, {"input": {"email": unique_email("ghost"), "password": STRONG_PASSWORD}}
    )
    garbage = await gql(LOG_IN, {"input": {"email": "not an email", "password": "x"}})
    assert wrong == unknown == garbage
    assert wrong["data"]["logIn"] == {
        "session": None,
        "errors": [
            {"code": "INVALID_CREDENTIALS", "field": None, "message": "Wrong email or password."}
        ],
    }
    # The same work for each: one full argon2id verification, against a real-looking hash.
    assert len(verified) == 3
    assert all(h.startswith("$argon2id$") for h in verified)


async def test_refresh_rotates_and_reuse_revokes_the_family(gql: Any) -> None:
    session = (await sign_up(gql, unique_email()))["session"]
    first = session["refreshToken"]

    body = await gql(REFRESH, {"refreshToken": first})
    second_session = body["data"]["refreshSession"]["session"]
    second = second_session["refreshToken"]
    assert second != first
    assert second_session["accessToken"] != session["accessToken"]
    assert (await gql(ME, token=second_session["accessToken"]))["data"]["me"] is not None
    old = await RefreshToken.get(token_hash=hash_secret(first))
    new = await RefreshToken.get(token_hash=hash_secret(second))
    assert old.used_at is not None and old.family == new.family

    # A copy of the first token is replayed after the grace window: the whole family dies,
    # the fresh pair included.
    await RefreshToken.filter(id=old.id).update(used_at=old.used_at - timedelta(minutes=5))
    replay = await gql(REFRESH, {"refreshToken": first})
    assert replay["data"]["refreshSession"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    after = await gql(REFRESH, {"refreshToken": second})
    assert after["data"]["refreshSession"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    assert await RefreshToken.filter(family=old.family, revoked_at__isnull=True).count() == 0
    me = await gql(ME, token=second_session["accessToken"], expect_errors=True)
    assert me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("token", ["", "cfr_unknown", "garbage", "x" * 500])
async def test_refresh_with_unknown_tokens(gql: Any, token: str) -> None:
    body = await gql(REFRESH, {"refreshToken": token})
    assert body["data"]["refreshSession"]["session"] is None
    assert body["data"]["refreshSession"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"


async def test_expired_refresh_token(gql: Any) -> None:
    from datetime import UTC, datetime, timedelta

    session = (await sign_up(gql, unique_email()))["session"]
    await RefreshToken.filter(token_hash=hash_secret(session["refreshToken"])).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    body = await gql(REFRESH, {"refreshToken": session["refreshToken"]})
    assert body["data"]["refreshSession"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"


async def test_log_out_ends_only_that_session(gql: Any) -> None:
    email = unique_email()
    phone = (await sign_up(gql, email))["session"]
    laptop = (await gql(LOG_IN, {"input": {"email": email, "password": STRONG_PASSWORD}}))["data"][
        "logIn"
    ]["session"]

    body = await gql(LOG_OUT, token=phone["accessToken"])
    assert body["data"]["logOut"] == {"ok": True, "errors": []}

    refused = await gql(REFRESH, {"refreshToken": phone["refreshToken"]})
    assert refused["data"]["refreshSession"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    me = await gql(ME, token=phone["accessToken"], expect_errors=True)
    assert me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    assert (await gql(ME, token=laptop["accessToken"]))["data"]["me"]["email"] == email
    still = await gql(REFRESH, {"refreshToken": laptop["refreshToken"]})
    assert still["data"]["refreshSession"]["errors"] == []


async def test_log_out_needs_a_session(gql: Any) -> None:
    body = await gql(LOG_OUT)
    assert body["data"]["logOut"]["ok"] is False
    assert body["data"]["logOut"]["errors"][0]["code"] == "UNAUTHENTICATED"


async def test_sign_up_is_one_transaction(gql: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing grant leaves no user behind (balance and ledger never disagree)."""
    from orm import ledger

    async def broken_grant(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(ledger, "grant", broken_grant)
    email = unique_email("atomic")
    body = await gql(
        SIGN_UP, {"input": {"email": email, "password": STRONG_PASSWORD}}, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert not await User.exists(email=email)
