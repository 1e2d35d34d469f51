"""createUpload: what it accepts, the presigned PUT it returns, and who may call it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from core.config import Settings
from orm.models import Upload
from orm.models.enums import UploadStatus
from resolvers.viewer import Viewer
from tests.uploads.ops import CREATE, create, put, upload_pk


async def test_create_returns_a_presigned_put(
    gql: Any, client: Any, make_user: Any, settings: Settings
) -> None:
    user, token = await make_user()
    created = await create(
        gql, token, size=1234, filename="My Talk.MOV", content_type="video/quicktime"
    )
    assert created["errors"] == []
    assert created["upload"]["status"] == "AWAITING_UPLOAD"
    assert created["upload"]["filename"] == "My Talk.MOV"
    target = created["target"]
    assert target["method"] == "PUT"
    assert target["headers"] == [
        {"name": "Content-Type", "value": "video/quicktime"},
        {"name": "If-None-Match", "value": "*"},  # write-once: the bytes cannot be swapped
    ]
    assert target["url"].startswith(f"{settings.public_base_url}/storage/uploads/")
    upload = await Upload.get(id=upload_pk(created["upload"]["id"]))
    assert upload.user_id == user.id and upload.size_bytes == 1234
    assert upload.storage_key == f"uploads/{upload.id}/original.mov"
    expires = datetime.fromisoformat(target["expiresAt"])
    assert abs(expires - upload.upload_expires_at) < timedelta(seconds=2)
    life = expires - upload.created_at
    assert timedelta(hours=23, minutes=59) < life <= timedelta(hours=24, seconds=1)
    # The URL takes exactly those headers; another content type is refused by storage.
    wrong = await client.put(target["url"], content=b"x", headers={"Content-Type": "video/mp4"})
    assert wrong.status_code == 403
    assert (await put(client, target, b"x" * 1234)).status_code == 200


async def test_audio_types_and_content_type_parameters(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    for content_type, stored in [
        ("audio/mpeg", "audio/mpeg"),
        ("audio/x-m4a", "audio/x-m4a"),
        ("Video/MP4; codecs=avc1", "video/mp4"),
    ]:
        created = await create(gql, token, size=10, content_type=content_type)
        assert created["errors"] == [], content_type
        assert created["target"]["headers"][0]["value"] == stored


async def test_bad_input_gets_typed_errors_and_creates_nothing(
    gql: Any, make_user: Any, settings: Settings
) -> None:
    user, token = await make_user()
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"filename": "  "}, "INVALID_FILENAME", "filename"),
        ({"filename": "a" * 300 + ".mp4"}, "INVALID_FILENAME", "filename"),
        ({"contentType": "text/plain"}, "UNSUPPORTED_CONTENT_TYPE", "contentType"),
        ({"contentType": "image/png"}, "UNSUPPORTED_CONTENT_TYPE", "contentType"),
        ({"contentType": "video/../../x"}, "UNSUPPORTED_CONTENT_TYPE", "contentType"),
        ({"sizeBytes": 0}, "INVALID_SIZE", "sizeBytes"),
        ({"sizeBytes": -5}, "INVALID_SIZE", "sizeBytes"),
        ({"sizeBytes": 10.5}, "INVALID_SIZE", "sizeBytes"),
        ({"sizeBytes": settings.max_upload_bytes + 1}, "TOO_LARGE", "sizeBytes"),
    ]
    for change, code, field in cases:
        values = {"filename": "talk.mp4", "contentType": "video/mp4", "sizeBytes": 100, **change}
        body = await gql(CREATE, {"input": values}, token=token)
        payload = body["data"]["createUpload"]
        assert payload["upload"] is None and payload["target"] is None, change
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], change
    assert await Upload.filter(user_id=user.id).count() == 0


async def test_path_parts_of_file_names_are_dropped(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    created = await create(gql, token, size=10, filename="../../etc/passwd.mp4")
    assert created["upload"]["filename"] == "passwd.mp4"
    upload = await Upload.get(id=upload_pk(created["upload"]["id"]))
    assert upload.storage_key == f"uploads/{upload.id}/original.mp4"
    # A NUL character is refused where it enters (nothing stores it), with the field.
    values = {"filename": "passwd\x00.mp4", "contentType": "video/mp4", "sizeBytes": 9}
    variables = {"input": values}
    body = await gql(CREATE, variables, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "filename"}


async def test_upload_mutations_need_the_write_uploads_scope(db: None) -> None:
    from graphql_api.context import Context
    from graphql_api.schema import schema

    variables = {"input": {"filename": "a.mp4", "contentType": "video/mp4", "sizeBytes": 5}}
    reader = Viewer(user_id=uuid.uuid4(), scopes=frozenset({"READ_CLIPS"}))
    for viewer, code in [(None, "UNAUTHENTICATED"), (reader, "FORBIDDEN")]:
        result = await schema.execute(
            CREATE,
            variables,
            context_value=Context(request=None, viewer=viewer),  # type: ignore[arg-type]
        )
        assert result.data is not None
        assert result.data["createUpload"]["errors"][0]["code"] == code
    assert await Upload.filter(status=UploadStatus.AWAITING_UPLOAD, filename="a.mp4").count() == 0
