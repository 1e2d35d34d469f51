"""Clip options per upload: given with createUpload or createMultipartUpload, stored with the
upload, shown with the defaults filled in; bad values answer typed errors naming the field,
and nothing is created."""

from __future__ import annotations

from typing import Any

from core.config import Settings
from core.storage import get_store
from orm.models import Upload
from tests.factories import create_user
from tests.pipeline.contract import operation
from tests.uploads.ops import upload_pk

MULTIPART = """mutation($input: CreateMultipartUploadInput!) {
  createMultipartUpload(input: $input) {
    upload { id options { minSeconds maxSeconds count prompt language } }
    errors { code field message }
  } }"""
DETAIL = """query($id: ID!) {
  upload(id: $id) { options { minSeconds maxSeconds count prompt language } } }"""


def _input(options: dict[str, Any] | None, size: int = 1000) -> dict[str, Any]:
    values: dict[str, Any] = {"filename": "talk.mp4", "contentType": "video/mp4", "sizeBytes": size}
    if options is not None:
        values["options"] = options
    return {"input": values}


async def test_options_are_stored_and_shown_with_defaults(gql: Any, settings: Settings) -> None:
    user, token = await create_user()
    asked = {
        "minSeconds": 15,
        "count": 4,
        "prompt": "  the moments about pricing ",
        "language": "DE",
    }
    body = await gql(operation("CreateUploadWithOptions"), _input(asked), token)
    payload = body["data"]["createUpload"]
    assert payload["errors"] == [] and payload["target"]["url"]
    shown = {
        "minSeconds": 15.0,
        "maxSeconds": settings.clip_max_seconds,  # not asked: the default
        "count": 4,
        "prompt": "the moments about pricing",
        "language": "de",
    }
    assert payload["upload"]["options"] == shown
    row = await Upload.get(id=upload_pk(payload["upload"]["id"]))
    assert row.clip_options == shown
    detail = await gql(DETAIL, {"id": payload["upload"]["id"]}, token)
    assert detail["data"]["upload"]["options"] == shown

    plain = await gql(operation("CreateUploadWithOptions"), _input(None), token)
    options = plain["data"]["createUpload"]["upload"]["options"]
    assert options == {
        "minSeconds": settings.clip_min_seconds,
        "maxSeconds": settings.clip_max_seconds,
        "count": None,  # by the video's length, which is not known yet
        "prompt": None,
        "language": None,
    }

    multi = await gql(MULTIPART, _input({"maxSeconds": 90, "language": "auto"}, 10**8), token)
    made = multi["data"]["createMultipartUpload"]
    assert made["errors"] == []
    assert made["upload"]["options"]["maxSeconds"] == 90.0
    assert made["upload"]["options"]["language"] is None  # auto: detect it


async def test_bad_options_name_their_fields_and_create_nothing(gql: Any) -> None:
    user, token = await create_user()
    keys_before = await get_store().list_keys("uploads/")
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        ({"minSeconds": 4}, [("INVALID_CLIP_LENGTH", "options.minSeconds")]),
        ({"maxSeconds": 181}, [("INVALID_CLIP_LENGTH", "options.maxSeconds")]),
        ({"minSeconds": 60, "maxSeconds": 30}, [("INVALID_CLIP_LENGTH", "options.minSeconds")]),
        ({"maxSeconds": 10}, [("INVALID_CLIP_LENGTH", "options.maxSeconds")]),  # <= default min
        ({"count": 0}, [("INVALID_CLIP_COUNT", "options.count")]),
        ({"count": 31}, [("INVALID_CLIP_COUNT", "options.count")]),
        ({"prompt": "p" * 501}, [("PROMPT_TOO_LONG", "options.prompt")]),
        ({"language": "english"}, [("UNSUPPORTED_LANGUAGE", "options.language")]),
        (
            {"minSeconds": 1, "count": 99, "language": "zz"},
            [
                ("INVALID_CLIP_LENGTH", "options.minSeconds"),
                ("INVALID_CLIP_COUNT", "options.count"),
                ("UNSUPPORTED_LANGUAGE", "options.language"),
            ],
        ),
    ]
    for options, expected in cases:
        for document, name in (
            (operation("CreateUploadWithOptions"), "createUpload"),
            (MULTIPART, "createMultipartUpload"),
        ):
            body = await gql(document, _input(options, 10**8), token)
            payload = body["data"][name]
            assert payload["upload"] is None, (name, options)
            assert [(e["code"], e["field"]) for e in payload["errors"]] == expected, options
            assert all(e["message"] for e in payload["errors"])
    assert await Upload.filter(user_id=user.id).count() == 0
    assert await get_store().list_keys("uploads/") == keys_before
