"""Every problem a client can cause answers a coded error, at any depth: malformed cursors and
page sizes on top-level and nested connections, and refusals that name what is missing."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orm.models import Clip, Upload, User
from orm.models.enums import UploadStatus
from resolvers.pagination import encode_cursor
from tests.accounts.test_api_keys import create_key

UPLOADS = """query($after: String, $first: Int) {
  uploads(first: $first, after: $after) { edges { cursor node { id } } }
}"""
UPLOAD_CLIPS = """query($id: ID!, $after: String, $first: Int) {
  upload(id: $id) { id clips(first: $first, after: $after) { edges { cursor node { id } } } }
}"""
TRANSACTIONS = """query($after: String, $first: Int) {
  me { id credits { transactions(first: $first, after: $after) { edges { cursor } } } }
}"""
CLIPS = """query($after: String) { clips(after: $after) { edges { cursor } } }"""


def raw(text: str) -> Any:
    """A cursor that decodes to exactly `text` (what a tampering client could send)."""
    return pytest.param(base64.urlsafe_b64encode(text.encode()).decode(), id=f"encoded {text}")


NOW = "2026-01-01T00:00:00+00:00"
SOME_ID = "0b4f4a4e-3d1c-4c55-9a53-8d3b3c0f2b11"
# Cursors that are not valid for a list ordered by time and id: not base64, wrong shape,
# a time that is no time, an id that is no UUID.
BAD_TIME_CURSORS = [
    "abc",
    "1.5",
    "2147483648",
    "%%%",
    raw("abc"),
    raw("1.5"),
    raw("2147483648"),
    raw(f"{NOW}|not-a-uuid"),
    raw(f"{NOW}|{SOME_ID}|extra"),
    raw(NOW),
    raw(f"yesterday|{SOME_ID}"),
]
# Cursors that are not valid for clips ordered by rank (a whole number in Postgres' int range).
BAD_RANK_CURSORS = [
    "abc",
    "1.5",
    "2147483648",
    "%%%",
    raw("abc"),
    raw("1.5"),
    raw("-1"),
    raw("2147483648"),
    raw(SOME_ID),
    raw("1|2"),
]


async def make_upload(user: User, clips: int = 0) -> Upload:
    upload = await Upload.create(
        user=user,
        filename="talk.mp4",
        content_type="video/mp4",
        size_bytes=1000,
        storage_key=f"uploads/{uuid.uuid4()}/original.mp4",
        status=UploadStatus.READY,
        duration_seconds=60.0,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    for rank in range(1, clips + 1):
        await Clip.create(
            upload=upload,
            rank=rank,
            start_seconds=rank,
            end_seconds=rank + 20,
            duration_seconds=20,
            score=90 - rank,
            title=f"clip {rank}",
            reason="test",
            video_key="v.mp4",
            thumbnail_key="t.jpg",
            srt_key="s.srt",
            vtt_key="s.vtt",
            ass_key="s.ass",
        )
    return upload


def coded(body: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    """(code, field) of each GraphQL error."""
    return [
        ((e.get("extensions") or {}).get("code"), (e.get("extensions") or {}).get("field"))
        for e in body.get("errors") or []
    ]


@pytest.mark.parametrize("cursor", BAD_TIME_CURSORS)
async def test_malformed_cursor_on_uploads(gql: Any, make_user: Any, cursor: str) -> None:
    _, token = await make_user()
    body = await gql(UPLOADS, {"after": cursor}, token=token, expect_errors=True)
    assert coded(body) == [("INVALID_CURSOR", "after")], body
    assert body["data"] is None


@pytest.mark.parametrize("cursor", BAD_TIME_CURSORS)
async def test_malformed_cursor_on_credit_transactions(
    gql: Any, make_user: Any, cursor: str
) -> None:
    _, token = await make_user()
    body = await gql(TRANSACTIONS, {"after": cursor}, token=token, expect_errors=True)
    assert coded(body) == [("INVALID_CURSOR", "after")], body
    assert body["errors"][0]["path"] == ["me", "credits", "transactions"]


async def test_malformed_cursor_on_clips(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    for cursor in (encode_cursor(NOW, "not-a-uuid"), "1.5"):
        body = await gql(CLIPS, {"after": cursor}, token=token, expect_errors=True)
        assert coded(body) == [("INVALID_CURSOR", "after")], body


@pytest.mark.parametrize("cursor", BAD_RANK_CURSORS)
async def test_malformed_cursor_on_upload_clips(gql: Any, make_user: Any, cursor: str) -> None:
    user, token = await make_user()
    upload = await make_upload(user, clips=1)
    variables = {"id": _gid("Upload", upload.id), "after": cursor}
    body = await gql(UPLOAD_CLIPS, variables, token=token, expect_errors=True)
    assert coded(body) == [("INVALID_CURSOR", "after")], body
    assert body["errors"][0]["path"] == ["upload", "clips"]
    assert body["data"] == {"upload": None}  # clips is non-null: the error nulls its parent


async def test_cursors_page_through_every_connection(gql: Any, make_user: Any) -> None:
    """The cursors the API hands out are accepted back and continue where the page ended."""
    user, token = await make_user()
    upload = await make_upload(user, clips=3)
    await make_upload(user)
    await make_upload(user)
    seen: list[str] = []
    after = None
    for _ in range(3):
        body = await gql(UPLOADS, {"first": 1, "after": after}, token=token)
        edges = body["data"]["uploads"]["edges"]
        assert len(edges) == 1
        seen.append(edges[0]["node"]["id"])
        after = edges[0]["cursor"]
    assert len(set(seen)) == 3
    body = await gql(UPLOADS, {"first": 1, "after": after}, token=token)
    assert body["data"]["uploads"]["edges"] == []

    variables = {"id": _gid("Upload", upload.id), "first": 2}
    first = (await gql(UPLOAD_CLIPS, variables, token=token))["data"]["upload"]["clips"]["edges"]
    assert first[-1]["cursor"] == encode_cursor(2)
    rest = await gql(UPLOAD_CLIPS, {**variables, "after": first[-1]["cursor"]}, token=token)
    assert [e["cursor"] for e in rest["data"]["upload"]["clips"]["edges"]] == [encode_cursor(3)]

    page = await gql(TRANSACTIONS, {"first": 1}, token=token)
    cursor = page["data"]["me"]["credits"]["transactions"]["edges"][0]["cursor"]
    rest = await gql(TRANSACTIONS, {"first": 1, "after": cursor}, token=token)
    assert rest["data"]["me"]["credits"]["transactions"]["edges"] == []  # only the grant


async def test_api_key_refusals_name_the_missing_scope(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    writer = (await create_key(gql, token, ["WRITE_UPLOADS"]))["secret"]
    reader = (await create_key(gql, token, ["READ_CLIPS"]))["secret"]

    body = await gql(UPLOADS, token=writer, expect_errors=True)
    assert coded(body) == [("FORBIDDEN", None)]
    assert "READ_CLIPS" in body["errors"][0]["message"]
    assert "None" not in body["errors"][0]["message"]

    body = await gql(
        'mutation { createUpload(input: {filename: "a.mp4", contentType: "video/mp4", '
        "sizeBytes: 10}) { upload { id } errors { code field message } } }",
        token=reader,
    )
    [error] = body["data"]["createUpload"]["errors"]
    assert error["code"] == "FORBIDDEN" and "WRITE_UPLOADS" in error["message"]

    # Session-only fields: the message says API keys cannot do it, never "the None scope".
    body = await gql("{ me { id } }", token=reader, expect_errors=True)
    assert coded(body) == [("FORBIDDEN", None)]
    message = body["errors"][0]["message"]
    assert "None" not in message and "API key" in message


def _gid(type_name: str, pk: Any) -> str:
    from tests.factories import gid

    return gid(type_name, pk)


@pytest.mark.parametrize(
    "document, variables, field",
    [
        (
            """mutation($id: ID!) { exportClip(input: {clipId: $id, aspectRatio: SQUARE_1_1,
                burnSubtitles: false}) { errors { code field } } }""",
            {"id": "not-an-id"},
            "clipId",
        ),
        (
            """mutation($id: ID!) { regenerateCaptions(clipId: $id) { errors { code field } } }""",
            {"id": "%%%"},
            "clipId",
        ),
    ],
)
async def test_a_malformed_id_names_the_input_field(
    gql: Any, make_user: Any, document: str, variables: dict[str, Any], field: str
) -> None:
    _, token = await make_user()
    body = await gql(document, variables, token=token)
    (payload,) = body["data"].values()
    assert payload["errors"] == [{"code": "INVALID_ID", "field": field}]
