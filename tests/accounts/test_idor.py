"""The IDOR matrix: two users; every contract operation that takes an id, tried by Bob on
Alice's ids. Nothing of Alice's leaks or changes, and Bob's answer is exactly the answer for
an id that does not exist (so it does not even reveal that Alice's object exists)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orm.models import (
    ApiKey,
    Caption,
    CaptionStyle,
    Clip,
    Export,
    Transcript,
    TranscriptSegment,
    Upload,
    User,
    Webhook,
    WebhookDelivery,
)
from orm.models.enums import (
    AspectRatio,
    CaptionAnimation,
    CaptionPlatform,
    CaptionPosition,
    ExportStatus,
    UploadStatus,
)
from resolvers.auth.api_keys import create_api_key
from tests.factories import gid

ERRORS = "errors { code field message }"
CLIP_FIELDS = "id title videoUrl captions { id text } upload { id filename }"


@dataclass
class Case:
    name: str
    document: str
    kind: str  # the global id type the operation takes
    target: str  # which of Alice's objects it aims at
    variables: Any  # (id) -> variables, or (id, Bob's own clip id) with with_own_clip
    with_own_clip: bool = False  # Alice's id next to Bob's own clip (his clip is fine)


CASES = [
    Case(
        "upload",
        "query($id: ID!) { upload(id: $id) { id filename"
        f" clips(first: 5) {{ edges {{ node {{ {CLIP_FIELDS} }} }} }} }} }}",
        "Upload",
        "ready",
        lambda i: {"id": i},
    ),
    Case(
        "clip",
        f"query($id: ID!) {{ clip(id: $id) {{ {CLIP_FIELDS} }} }}",
        "Clip",
        "clip",
        lambda i: {"id": i},
    ),
    Case(
        "node(Upload)",
        "query($id: ID!) { node(id: $id) { id ... on Upload { filename } } }",
        "Upload",
        "ready",
        lambda i: {"id": i},
    ),
    Case(
        "node(Clip)",
        "query($id: ID!) { node(id: $id) { id ... on Clip { title } } }",
        "Clip",
        "clip",
        lambda i: {"id": i},
    ),
    Case(
        "node(Export)",
        "query($id: ID!) { node(id: $id) { id ... on Export { status url clip { id } } } }",
        "Export",
        "export",
        lambda i: {"id": i},
    ),
    Case(
        "node(User)",
        "query($id: ID!) { node(id: $id) { id ... on User { email } } }",
        "User",
        "user",
        lambda i: {"id": i},
    ),
    Case(
        "completeUpload",
        f"mutation($id: ID!) {{ completeUpload(id: $id) {{ upload {{ id status }} {ERRORS} }} }}",
        "Upload",
        "awaiting",
        lambda i: {"id": i},
    ),
    Case(
        "completeMultipartUpload",
        "mutation($input: CompleteMultipartUploadInput!) {"
        f" completeMultipartUpload(input: $input) {{ upload {{ id }} {ERRORS} }} }}",
        "Upload",
        "awaiting",
        lambda i: {"input": {"id": i, "parts": [{"partNumber": 1, "etag": "x"}]}},
    ),
    Case(
        "retryUpload",
        f"mutation($id: ID!) {{ retryUpload(id: $id) {{ upload {{ id status }} {ERRORS} }} }}",
        "Upload",
        "failed",
        lambda i: {"id": i},
    ),
    Case(
        "deleteUpload",
        f"mutation($id: ID!) {{ deleteUpload(id: $id) {{ deletedId {ERRORS} }} }}",
        "Upload",
        "ready",
        lambda i: {"id": i},
    ),
    Case(
        "regenerateCaptions",
        "mutation($id: ID!) { regenerateCaptions(clipId: $id) {"
        f" clip {{ id captions {{ text }} }} {ERRORS} }} }}",
        "Clip",
        "clip",
        lambda i: {"id": i},
    ),
    Case(
        "exportClip",
        "mutation($input: ExportClipInput!) {"
        f" exportClip(input: $input) {{ export {{ id status }} {ERRORS} }} }}",
        "Clip",
        "clip",
        lambda i: {"input": {"clipId": i, "aspectRatio": "VERTICAL_9_16", "burnSubtitles": False}},
    ),
    Case(
        "transcriptPage",
        "query($id: ID!) { upload(id: $id) { id transcript { segments(limit: 5) { text } } } }",
        "Upload",
        "ready",
        lambda i: {"id": i},
    ),
    Case(
        "reclipUpload",
        "mutation($id: ID!) { reclipUpload(id: $id, options: {count: 2}) {"
        f" upload {{ id status }} {ERRORS} }} }}",
        "Upload",
        "ready",
        lambda i: {"id": i},
    ),
    Case(
        "createClip",
        "mutation($input: CreateClipInput!) {"
        f" createClip(input: $input) {{ clip {{ id }} {ERRORS} }} }}",
        "Upload",
        "ready",
        lambda i: {"input": {"uploadId": i, "startSeconds": 1.0, "endSeconds": 5.0}},
    ),
    Case(
        "updateClip",
        "mutation($input: UpdateClipInput!) {"
        f" updateClip(input: $input) {{ clip {{ id title }} {ERRORS} }} }}",
        "Clip",
        "clip",
        lambda i: {"input": {"id": i, "title": "Bob was here", "endSeconds": 20.0}},
    ),
    Case(
        "deleteClip",
        f"mutation($id: ID!) {{ deleteClip(id: $id) {{ deletedId {ERRORS} }} }}",
        "Clip",
        "clip",
        lambda i: {"id": i},
    ),
    Case(
        "correctTranscript",
        "mutation($input: CorrectTranscriptInput!) { correctTranscript(input: $input) {"
        f" upload {{ id transcript {{ text }} }} {ERRORS} }} }}",
        "Upload",
        "ready",
        lambda i: {
            "input": {
                "uploadId": i,
                "corrections": [{"startSeconds": 1.0, "endSeconds": 2.0, "text": "bob"}],
            }
        },
    ),
    Case(
        "node(CaptionStyle)",
        "query($id: ID!) { node(id: $id) { id ... on CaptionStyle { name fontFamily } } }",
        "CaptionStyle",
        "style",
        lambda i: {"id": i},
    ),
    Case(
        "exportClip(captionStyleId)",
        "mutation($input: ExportClipInput!) {"
        f" exportClip(input: $input) {{ export {{ id status reframe }} {ERRORS} }} }}",
        "CaptionStyle",
        "style",
        lambda i, clip: {
            "input": {
                "clipId": clip,
                "aspectRatio": "VERTICAL_9_16",
                "burnSubtitles": True,
                "captionStyleId": i,
            }
        },
        with_own_clip=True,
    ),
    Case(
        "revokeApiKey",
        f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ apiKey {{ id }} {ERRORS} }} }}",
        "ApiKey",
        "key",
        lambda i: {"id": i},
    ),
    Case(
        "node(Webhook)",
        "query($id: ID!) { node(id: $id) { id ... on Webhook { url events"
        " deliveries(first: 5) { edges { node { id eventType } } } } } }",
        "Webhook",
        "webhook",
        lambda i: {"id": i},
    ),
    Case(
        "deleteWebhook",
        f"mutation($id: ID!) {{ deleteWebhook(id: $id) {{ deletedId {ERRORS} }} }}",
        "Webhook",
        "webhook",
        lambda i: {"id": i},
    ),
    Case(
        "pipelineEvents",
        "subscription($id: ID) { pipelineEvents(uploadId: $id) { uploadId } }",
        "Upload",
        "ready",
        lambda i: {"id": i},
    ),
]


async def make_upload(user: User, status: UploadStatus, filename: str) -> Upload:
    return await Upload.create(
        user=user,
        filename=filename,
        content_type="video/mp4",
        size_bytes=1000,
        storage_key=f"uploads/{uuid.uuid4()}/original.mp4",
        status=status,
        duration_seconds=60.0 if status != UploadStatus.AWAITING_UPLOAD else None,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )


@pytest.fixture
async def alice(make_user: Any) -> dict[str, Any]:
    """Alice's world: uploads in every state, a clip with captions, an export, an API key."""
    user, token = await make_user()
    ready = await make_upload(user, UploadStatus.READY, "alice-secret-talk.mp4")
    awaiting = await make_upload(user, UploadStatus.AWAITING_UPLOAD, "alice-pending.mp4")
    failed = await make_upload(user, UploadStatus.FAILED, "alice-failed.mp4")
    clip = await Clip.create(
        upload=ready,
        rank=1,
        start_seconds=1.0,
        end_seconds=31.0,
        duration_seconds=30.0,
        score=90.0,
        title="Alice's best moment",
        reason="It is Alice's.",
        video_key=f"clips/{uuid.uuid4()}.mp4",
        thumbnail_key=f"clips/{uuid.uuid4()}.jpg",
        srt_key="x.srt",
        vtt_key="x.vtt",
        ass_key="x.ass",
    )
    await Caption.create(clip=clip, platform=CaptionPlatform.TIKTOK, text="alice caption")
    transcript = await Transcript.create(
        upload=ready,
        language="en",
        text="alice talks about zanzibarian pricing",
        duration_seconds=60.0,
        json_key="t.json",
        srt_key="t.srt",
        vtt_key="t.vtt",
    )
    words = [
        {"start": 1.0 + i, "end": 1.8 + i, "text": w, "p": 1.0}
        for i, w in enumerate(["alice", "talks", "about", "zanzibarian", "pricing"])
    ]
    await TranscriptSegment.create(
        transcript=transcript, index=0, start=1.0, end=6.0, text=transcript.text, words=words
    )
    export = await Export.create(
        user=user, clip=clip, aspect_ratio=AspectRatio.SQUARE_1_1, status=ExportStatus.READY
    )
    key, _ = await create_api_key(user.id, "alice-key", ["READ_CLIPS"])
    style = await make_style(user, "alice-secret-style")
    webhook = await Webhook.create(
        user=user,
        url="https://alice-hooks.example.com/clipforge",
        events=["UPLOAD_READY"],
        secret_sealed="v1.sealed.alice",
    )
    await WebhookDelivery.create(
        webhook=webhook,
        event_type="UPLOAD_READY",
        subject_id=ready.id,
        message_id=f"msg_alice{uuid.uuid4().hex}",
        body='{"alice": true}',
    )
    objects = {
        "user": user,
        "ready": ready,
        "awaiting": awaiting,
        "failed": failed,
        "clip": clip,
        "export": export,
        "key": key,
        "style": style,
        "webhook": webhook,
    }
    return {"token": token, "objects": objects}


async def make_style(user: User, name: str) -> CaptionStyle:
    return await CaptionStyle.create(
        user=user,
        name=name,
        font_family="DejaVu Sans",
        font_size=80,
        text_color="#FFFFFF",
        highlight_color="#FF00AA",
        outline_color="#000000",
        position=CaptionPosition.TOP,
        animation=CaptionAnimation.POP,
        words_per_line=3,
    )


async def make_clip(upload: Upload, title: str) -> Clip:
    return await Clip.create(
        upload=upload,
        rank=1,
        start_seconds=1.0,
        end_seconds=31.0,
        duration_seconds=30.0,
        score=50.0,
        title=title,
        reason="Bob's.",
        video_key=f"clips/{uuid.uuid4()}.mp4",
        thumbnail_key=f"clips/{uuid.uuid4()}.jpg",
        srt_key="b.srt",
        vtt_key="b.vtt",
        ass_key="b.ass",
    )


async def snapshot(objects: dict[str, Any]) -> Any:
    """Everything of Alice's that a foreign call could change."""
    uploads = await Upload.filter(user_id=objects["user"].id).order_by("id").values()
    clips = await Clip.filter(upload__user_id=objects["user"].id).order_by("id").values()
    captions = await Caption.filter(clip_id=objects["clip"].id).order_by("id").values()
    exports = await Export.filter(user_id=objects["user"].id).order_by("id").values()
    keys = await ApiKey.filter(user_id=objects["user"].id).order_by("id").values()
    styles = await CaptionStyle.filter(user_id=objects["user"].id).order_by("id").values()
    user = await User.filter(id=objects["user"].id).values()
    hooks = await Webhook.filter(user_id=objects["user"].id).order_by("id").values()
    sent = await WebhookDelivery.filter(webhook__user_id=objects["user"].id).values()
    said = await TranscriptSegment.filter(transcript__upload__user_id=objects["user"].id).values()
    texts = await Transcript.filter(upload__user_id=objects["user"].id).values()
    return json.dumps(
        [uploads, clips, captions, exports, keys, styles, user, hooks, sent, said, texts],
        default=str,
        sort_keys=True,
    )


def normalise(body: Any, *ids: str) -> str:
    text = json.dumps(body, sort_keys=True)
    for value in ids:
        text = text.replace(value, "<ID>")
    return text


def secrets_of(objects: dict[str, Any]) -> list[str]:
    return [
        objects["user"].email,
        "alice-secret-talk",
        "alice-pending",
        "alice-failed",
        "Alice's best moment",
        "alice caption",
        "zanzibarian",
        "alice-key",
        "alice-secret-style",
        "#FF00AA",
        "alice-hooks",
        "msg_alice",
        *(str(o.id) for o in objects.values()),
        *(
            gid(t, objects[k].id)
            for t, k in [
                ("Upload", "ready"),
                ("Clip", "clip"),
                ("Export", "export"),
                ("CaptionStyle", "style"),
                ("Webhook", "webhook"),
            ]
        ),
    ]


def refused(body: dict[str, Any]) -> bool:
    """Nothing was answered for the object: a null field, a NOT_FOUND (or a stub's
    NOT_IMPLEMENTED) with every other payload field null, or the protocol's error."""
    codes = {"NOT_FOUND", "NOT_IMPLEMENTED"}
    if body.get("type") == "error":  # graphql-transport-ws, refused before streaming
        return body["payload"][0]["extensions"]["code"] in codes
    data = body.get("data") or body.get("payload", {}).get("data") or {}
    value = next(iter(data.values()), None)
    if value is None:
        return True
    errors = value.get("errors") if isinstance(value, dict) else None
    if not errors or errors[0]["code"] not in codes:
        return False
    return all(v is None for k, v in value.items() if k != "errors")


async def run_ws(url: str, token: str, case: Case, variables: dict[str, Any]) -> Any:
    from websockets.asyncio.client import connect

    async with connect(url, subprotocols=["graphql-transport-ws"]) as conn:  # type: ignore[list-item]
        await conn.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        assert json.loads(await conn.recv())["type"] == "connection_ack"
        payload = {"query": case.document, "variables": variables}
        await conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return json.loads(await conn.recv())


@pytest.fixture
async def ws_url(db: None, settings: Any) -> Any:
    from tests.events.conftest import start_server, ws_settings

    server = await start_server(ws_settings(settings))
    yield server.url
    await server.stop()


async def test_idor_matrix(gql: Any, make_user: Any, alice: dict[str, Any], ws_url: str) -> None:
    objects = alice["objects"]
    bob_user, bob = await make_user()
    bobs = await make_upload(bob_user, UploadStatus.READY, "bob.mp4")  # things of his own
    bob_clip = gid("Clip", (await make_clip(bobs, "Bob's clip")).id)
    before = await snapshot(objects)
    leaks = secrets_of(objects)

    for case in CASES:
        target = gid(case.kind, objects[case.target].id)
        missing = gid(case.kind, uuid.uuid4())

        def variables_for(i: str, case: Case = case) -> Any:
            return case.variables(i, bob_clip) if case.with_own_clip else case.variables(i)

        variables = variables_for(target)
        if case.name == "pipelineEvents":
            foreign = await run_ws(ws_url, bob, case, variables)
            absent = await run_ws(ws_url, bob, case, variables_for(missing))
        else:
            foreign = await gql(case.document, variables, token=bob, expect_errors=True)
            absent = await gql(case.document, variables_for(missing), token=bob, expect_errors=True)
        assert normalise(foreign, target) == normalise(absent, missing), case.name
        assert not [s for s in leaks if s in json.dumps(foreign)], case.name
        assert refused(foreign), (case.name, foreign)

    assert await snapshot(objects) == before
    assert not await Export.filter(user_id=bob_user.id).exists()  # nothing rendered for Bob

    # Alice still reaches all of it (the matrix is not passing because everything is broken).
    token = alice["token"]
    mine = await gql(
        "query($u: ID!, $c: ID!, $e: ID!, $s: ID!) { upload(id: $u) { filename }"
        " clip(id: $c) { title } node(id: $e) { id }"
        " style: node(id: $s) { ... on CaptionStyle { name } }"
        " me { webhooks { url deliveries { edges { node { id } } } } } }",
        {
            "u": gid("Upload", objects["ready"].id),
            "c": gid("Clip", objects["clip"].id),
            "e": gid("Export", objects["export"].id),
            "s": gid("CaptionStyle", objects["style"].id),
        },
        token=token,
    )
    assert mine["data"]["style"]["name"] == "alice-secret-style"
    assert mine["data"]["upload"]["filename"] == "alice-secret-talk.mp4"
    assert mine["data"]["clip"]["title"] == "Alice's best moment"
    assert mine["data"]["node"]["id"] == gid("Export", objects["export"].id)
    [hook] = mine["data"]["me"]["webhooks"]
    assert hook["url"].startswith("https://alice-hooks") and len(hook["deliveries"]["edges"]) == 1


async def test_lists_and_nested_paths_hold_only_your_own(
    gql: Any, make_user: Any, alice: dict[str, Any]
) -> None:
    _, bob = await make_user()
    body = await gql(
        "{ uploads(first: 100) { edges { node { id } } }"
        " clips(first: 100) { edges { node { id } } }"
        " captionStyles { name builtIn }"
        " me { apiKeys { id } webhooks { id } credits {"
        " transactions(first: 100) { edges { node { reference } } } } } }",
        token=bob,
    )
    assert body["data"]["captionStyles"] and all(
        s["builtIn"] for s in body["data"]["captionStyles"]
    )  # the presets, not Alice's style
    assert body["data"]["uploads"]["edges"] == []
    assert body["data"]["clips"]["edges"] == []
    assert body["data"]["me"]["apiKeys"] == []
    assert body["data"]["me"]["webhooks"] == []
    refs = [e["node"]["reference"] for e in body["data"]["me"]["credits"]["transactions"]["edges"]]
    assert all(str(alice["objects"]["user"].id) not in r for r in refs)
    search = "query($q: String!) { searchMoments(query: $q) { text upload { id } } }"
    assert (await gql(search, {"q": "zanzibarian"}, token=bob))["data"]["searchMoments"] == []
    hers = await gql(search, {"q": "zanzibarian"}, token=alice["token"])
    assert [m["text"] for m in hers["data"]["searchMoments"]] == [
        "alice talks about zanzibarian pricing"
    ]
