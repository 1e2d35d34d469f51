"""A bounded, seeded fuzz of the GraphQL API (issue 15, finding 5): a few hundred random
documents and variables drawn from the schema, sent anonymously, as a user (an admin, so the
admin fields run too) and as an API key. No answer may be a 5xx or an INTERNAL_SERVER_ERROR,
and every error must carry a code. CLIPFORGE_FUZZ_SEED and CLIPFORGE_FUZZ_CASES change the
run; a failure names its seed and case."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest

from graphql_api.schema import schema
from tests.accounts.test_api_keys import create_key
from tests.factories import gid
from tests.fuzz_documents import Fuzzer, Request
from tests.test_error_codes import make_upload

SEED = int(os.environ.get("CLIPFORGE_FUZZ_SEED", "15"))
CASES = int(os.environ.get("CLIPFORGE_FUZZ_CASES", "300"))


def problems(resp: httpx.Response) -> list[str]:
    """What is wrong with one answer (empty: nothing)."""
    if resp.status_code >= 500:
        return [f"HTTP {resp.status_code}: {resp.text[:300]}"]
    try:
        body = resp.json()
    except ValueError:
        return [f"not JSON (HTTP {resp.status_code}): {resp.text[:300]}"]
    found = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not code:
            found.append(f"uncoded error: {error}")
        elif code == "INTERNAL_SERVER_ERROR":
            found.append(f"internal error: {error}")
    for payload in (body.get("data") or {}).values():
        for error in (payload or {}).get("errors") or [] if isinstance(payload, dict) else []:
            if not error.get("code") or error["code"] == "INTERNAL_SERVER_ERROR":
                found.append(f"payload error: {error}")
    return found


async def test_random_requests_never_answer_a_server_error(
    client: httpx.AsyncClient, gql: Any, make_user: Any, app: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(app.state.rate_limiter, "per_minute", 0)  # every case reaches the API
    user, token = await make_user(minutes=100, is_admin=True)
    key = (await create_key(gql, token, ["READ_CLIPS", "WRITE_UPLOADS"]))["secret"]
    ready = await make_upload(user, clips=2)
    ids = {"Upload": [gid("Upload", ready.id)], "User": [gid("User", user.id)]}
    fuzzer = Fuzzer(schema._schema, SEED, ids)
    bearers = [None, token, key]
    failures: list[str] = []
    for case in range(CASES):
        request: Request = fuzzer.request()
        bearer = bearers[case % len(bearers)]
        headers = {"Content-Type": "application/json"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        body = json.dumps(request.body()).encode()  # ASCII: lone surrogates travel escaped
        resp = await client.post("/graphql", content=body, headers=headers)
        for problem in problems(resp):
            failures.append(f"seed {SEED} case {case}: {problem}\n  {request.describe()}")
    assert not failures, f"{len(failures)} of {CASES} cases failed:\n" + "\n".join(failures[:10])


@pytest.mark.parametrize("seed", [1, 2])
def test_the_fuzzer_is_reproducible(seed: int) -> None:
    first = [Fuzzer(schema._schema, seed, {}).request() for _ in range(1)]
    again = [Fuzzer(schema._schema, seed, {}).request() for _ in range(1)]
    assert first == again
