"""Two tabs refreshing at once (issue 15, finding 6): inside the grace window the same refresh
token presented again answers the very pair the first call got; after it, reuse still ends
the session."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from orm.models import RefreshToken
from resolvers.auth.secrets import hash_secret
from tests.accounts.conftest import LOG_OUT, ME, REFRESH, sign_up


def _email() -> str:
    return f"tabs-{uuid.uuid4().hex[:10]}@example.com"


async def _refresh(gql: Any, token: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql(REFRESH, {"refreshToken": token}))["data"][
        "refreshSession"
    ]
    return payload


async def test_two_tabs_refreshing_at_once_both_get_the_same_new_pair(gql: Any) -> None:
    session = (await sign_up(gql, _email()))["session"]
    first, second = await asyncio.gather(
        _refresh(gql, session["refreshToken"]), _refresh(gql, session["refreshToken"])
    )
    assert first["errors"] == [] and second["errors"] == [], (first, second)
    assert first["session"] == second["session"]
    pair = first["session"]
    assert pair["refreshToken"] != session["refreshToken"]
    # The session lives on: the pair works and rotates as usual.
    assert (await gql(ME, token=pair["accessToken"]))["data"]["me"] is not None
    again = await _refresh(gql, pair["refreshToken"])
    assert again["errors"] == [] and again["session"]["refreshToken"] != pair["refreshToken"]
    family = (await RefreshToken.get(token_hash=hash_secret(pair["refreshToken"]))).family
    assert await RefreshToken.filter(family=family, revoked_at__isnull=False).count() == 0


async def test_a_retry_inside_the_window_gets_the_same_pair(gql: Any) -> None:
    session = (await sign_up(gql, _email()))["session"]
    first = await _refresh(gql, session["refreshToken"])
    retried = await _refresh(gql, session["refreshToken"])
    assert retried == first and first["errors"] == []


async def test_reuse_after_the_window_revokes_the_family(gql: Any, settings: Any) -> None:
    session = (await sign_up(gql, _email()))["session"]
    pair = (await _refresh(gql, session["refreshToken"]))["session"]
    late = datetime.now(UTC) - timedelta(seconds=settings.refresh_reuse_grace_seconds + 1)
    await RefreshToken.filter(token_hash=hash_secret(session["refreshToken"])).update(used_at=late)
    replay = await _refresh(gql, session["refreshToken"])
    assert replay["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    assert (await _refresh(gql, pair["refreshToken"]))["errors"][0]["code"] == (
        "INVALID_REFRESH_TOKEN"
    )
    me = await gql(ME, token=pair["accessToken"], expect_errors=True)
    assert me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_no_pair_is_handed_back_after_log_out(gql: Any) -> None:
    session = (await sign_up(gql, _email()))["session"]
    pair = (await _refresh(gql, session["refreshToken"]))["session"]
    assert (await gql(LOG_OUT, token=pair["accessToken"]))["data"]["logOut"]["ok"] is True
    replay = await _refresh(gql, session["refreshToken"])
    assert replay["session"] is None
    assert replay["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"


async def test_the_sealed_pair_opens_only_with_its_own_token() -> None:
    from resolvers.auth import grace

    pair = grace.SuccessorPair("cfr_next", "access", datetime.now(UTC))
    sealed = grace.seal(pair, "cfr_secret", "row-1")
    assert grace.open_sealed(sealed, "cfr_secret", "row-1") == pair
    assert grace.open_sealed(sealed, "cfr_other", "row-1") is None
    assert grace.open_sealed(sealed, "cfr_secret", "row-2") is None
    assert grace.open_sealed("garbage", "cfr_secret", "row-1") is None
