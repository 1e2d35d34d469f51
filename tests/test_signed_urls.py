"""URL fields sign at once when the store can (no coroutine per field), and fall back to the
store's asynchronous presign when it cannot (S3 before its fast signer exists, or with
temporary credentials): the answer is the same valid URL either way."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bench.seed import add_clips, add_transcript, make_upload, make_user
from core.storage.local import LocalStore, verify
from graphql_api.common.relay import to_global_id

pytestmark = pytest.mark.usefixtures("db")

DETAIL = """query($id: ID!) { upload(id: $id) {
  transcript { srtUrl jsonUrl }
  clips(first: 5) { edges { node { videoUrl thumbnailUrl subtitles { srtUrl vttUrl assUrl } } } }
} }"""


def urls(body: dict[str, Any]) -> list[str]:
    upload = body["data"]["upload"]
    found = list(upload["transcript"].values())
    for edge in upload["clips"]["edges"]:
        node = edge["node"]
        found += [node["videoUrl"], node["thumbnailUrl"], *node["subtitles"].values()]
    return found


def valid(url: str) -> bool:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    key = unquote(parts.path.split("/storage/", 1)[1])
    return query["method"] == "GET" and verify("GET", key, query["expires"], query["sig"])


@pytest.mark.parametrize("quick", [True, False])
async def test_url_fields_sign_with_or_without_the_quick_signer(
    gql: Any, monkeypatch: pytest.MonkeyPatch, quick: bool
) -> None:
    calls: list[str] = []
    if not quick:
        monkeypatch.setattr(LocalStore, "quick_get", lambda self, key: calls.append(key))
    user, token = await make_user("urls")
    upload = await make_upload(user, 1)
    await add_clips(upload, 2, captions=False)
    await add_transcript(upload)
    body = await gql(DETAIL, {"id": str(to_global_id("Upload", upload.id))}, token=token)
    found = urls(body)
    assert len(found) == 2 + 2 * 5 and all(valid(u) for u in found)
    assert len(calls) == (0 if quick else len(found))  # the fallback was asked for each
