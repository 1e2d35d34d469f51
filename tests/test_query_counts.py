"""SQL statements per request for the apps' main screens, asserted exactly (Saleor style).

Dataloaders batch every nested list, so an upload with 20 clips costs what one with a single
clip costs; a new N+1 (or any extra query) changes a number here. The contract's own
operations are sent, as the apps send them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from bench.seed import add_clips, add_transcript, make_upload, make_user
from bench.sqlcount import SqlCounter
from graphql_api.common.relay import to_global_id

CONTRACT = Path(__file__).parent / "contract" / "operations.graphql"

pytestmark = pytest.mark.usefixtures("db")


def operation(name: str) -> str:
    """The named operation of the contract with the fragments it uses."""
    document = parse(CONTRACT.read_text())
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    op = next(
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name and d.name.value == name
    )
    text = print_ast(op)
    used = [f for f in fragments if f"...{f}" in text]
    while True:  # fragments spreading other fragments
        more = [
            f
            for f in fragments
            if f not in used and any(f"...{f}" in print_ast(fragments[u]) for u in used)
        ]
        if not more:
            break
        used += more
    return "\n".join([text, *(print_ast(fragments[f]) for f in used)])


async def statements(client: Any, name: str, variables: dict[str, Any], token: str) -> int:
    doc = operation(name)
    with SqlCounter() as counter:
        resp = await client.post(
            "/graphql",
            json={"query": doc, "variables": variables, "operationName": name},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = resp.json()
    assert resp.status_code == 200 and "errors" not in body, body
    assert counter.resets == 0  # pooled connections are released without a reset round trip
    return len(counter.statements)


async def test_me(client: Any) -> None:
    _, token = await make_user("me")
    # One: the user row read to authenticate the token also answers `me` and its balance.
    assert await statements(client, "Me", {}, token) == 1


@pytest.mark.parametrize("uploads", [1, 20])
async def test_uploads_page(client: Any, uploads: int) -> None:
    user, token = await make_user("list")
    for n in range(uploads):
        await add_clips(await make_upload(user, n), 3, captions=False)
    assert await statements(client, "Uploads", {"first": 20}, token) == 3


@pytest.mark.parametrize("clips", [1, 20])
async def test_upload_detail(client: Any, clips: int) -> None:
    user, token = await make_user("detail")
    upload = await make_upload(user, 1)
    await add_clips(upload, clips, captions=True)
    await add_transcript(upload)
    gid = str(to_global_id("Upload", upload.id))
    # the user, the upload, its transcript (no words: they are paged or read as JSON), the
    # clips' page, their captions; options and score breakdowns are columns of those rows
    assert await statements(client, "UploadDetail", {"id": gid}, token) == 5


@pytest.mark.parametrize("limit", [1, 100])
async def test_transcript_page(client: Any, limit: int) -> None:
    user, token = await make_user("page")
    upload = await make_upload(user, 1)
    await add_transcript(upload)
    gid = str(to_global_id("Upload", upload.id))
    variables = {"id": gid, "offset": 10, "limit": limit}
    # the user, the upload, its transcript, one page of segments with their words
    assert await statements(client, "TranscriptPage", variables, token) == 4
