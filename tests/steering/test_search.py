"""searchMoments: PostgreSQL full-text search over what is said in the signed-in user's READY
uploads, stemmed in each transcript's language, best first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from orm.models import Transcript, TranscriptSegment, Upload
from orm.models.enums import UploadStatus
from tests.factories import create_user, gid
from tests.pipeline.contract import operation
from tests.steering.conftest import Ready, clone


async def _search(gql: Any, token: str, query: str, first: int | None = None) -> Any:
    variables: dict[str, Any] = {"query": query}
    if first is not None:
        variables["first"] = first
    return await gql(operation("SearchMoments"), variables, token, expect_errors=True)


async def test_moments_of_your_ready_uploads_best_first(gql: Any, ready: Ready) -> None:
    user, token = await create_user()
    mine = await clone(ready.upload, user)
    body = await _search(gql, token, "podcast")  # stemmed: finds "podcasts"
    found = body["data"]["searchMoments"]
    assert found and all("podcast" in m["text"].lower() for m in found)
    assert found[0]["upload"] == {"id": gid("Upload", mine.id), "filename": "talk.mp4"}
    assert 0 < found[0]["score"] <= 100
    assert found[0]["startSeconds"] < found[0]["endSeconds"] <= mine.duration_seconds + 0.5
    scores = [m["score"] for m in found]
    assert scores == sorted(scores, reverse=True)

    publish = (await _search(gql, token, "publishing on Mondays"))["data"]["searchMoments"]
    assert publish and "publish" in publish[0]["text"].lower()
    phrase = (await _search(gql, token, '"double your audience"'))["data"]["searchMoments"]
    assert len(phrase) == 1 and "audience" in phrase[0]["text"]
    both = (await _search(gql, token, "talent or audience"))["data"]["searchMoments"]
    assert len(both) == 2
    minus = (await _search(gql, token, "talent or audience -double"))["data"]["searchMoments"]
    assert len(minus) == 1 and "talent" in minus[0]["text"]
    assert (await _search(gql, token, "volcano"))["data"]["searchMoments"] == []
    assert (
        len((await _search(gql, token, "talent or audience", first=1))["data"]["searchMoments"])
        == 1
    )


async def test_only_your_own_ready_uploads_are_searched(gql: Any, ready: Ready) -> None:
    alice, alice_token = await create_user()
    bob, bob_token = await create_user()
    hers = await clone(ready.upload, alice)
    busy = await clone(ready.upload, bob)
    await Upload.filter(id=busy.id).update(status=UploadStatus.CLIPPING)
    assert (await _search(gql, bob_token, "podcasts"))["data"]["searchMoments"] == []
    theirs = await clone(ready.upload, bob)
    found = (await _search(gql, bob_token, "podcasts"))["data"]["searchMoments"]
    assert {m["upload"]["id"] for m in found} == {gid("Upload", theirs.id)}
    found = (await _search(gql, alice_token, "podcasts"))["data"]["searchMoments"]
    assert {m["upload"]["id"] for m in found} == {gid("Upload", hers.id)}
    anonymous = await _search(gql, "", "podcasts")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_each_transcript_is_stemmed_in_its_language(gql: Any) -> None:
    user, token = await create_user()
    german = await _upload_with(user, "de", ["Die Preise steigen jedes Jahr.", "Guten Morgen."])
    english = await _upload_with(user, "en", ["Our prices rise every year."])
    found = (await _search(gql, token, "Preis"))["data"]["searchMoments"]
    assert [(m["upload"]["id"], m["text"]) for m in found] == [
        (gid("Upload", german.id), "Die Preise steigen jedes Jahr.")
    ]
    found = (await _search(gql, token, "price"))["data"]["searchMoments"]
    assert [m["upload"]["id"] for m in found] == [gid("Upload", english.id)]


async def test_bad_searches_answer_coded_errors(gql: Any, ready: Ready) -> None:
    for query, first, code, field in (
        ("   ", None, "INVALID_QUERY", "query"),
        ("x" * 201, None, "INVALID_QUERY", "query"),
        ("podcasts", 101, "INVALID_PAGE_SIZE", "first"),
    ):
        body = await _search(gql, ready.token, query, first)
        assert body["data"] is None or body["data"]["searchMoments"] is None
        assert (
            body["errors"][0]["extensions"]["code"],
            body["errors"][0]["extensions"]["field"],
        ) == (
            code,
            field,
        )
    assert (await _search(gql, ready.token, "podcasts", 0))["data"]["searchMoments"] == []


async def _upload_with(user: Any, language: str, sentences: list[str]) -> Upload:
    upload = await Upload.create(
        user=user,
        filename=f"{language}.mp4",
        content_type="video/mp4",
        size_bytes=1000,
        storage_key=f"uploads/{uuid.uuid4()}/original.mp4",
        status=UploadStatus.READY,
        duration_seconds=60.0,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    t = await Transcript.create(
        upload=upload,
        language=language,
        text=" ".join(sentences),
        duration_seconds=60.0,
        json_key="t.json",
        srt_key="t.srt",
        vtt_key="t.vtt",
    )
    for i, text in enumerate(sentences):
        await TranscriptSegment.create(
            transcript=t, index=i, start=5.0 * i, end=5.0 * i + 4, text=text, words=[]
        )
    return upload
