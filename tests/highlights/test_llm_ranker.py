"""The LLM ranker against a local Chat Completions server, through the real openai client."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from core.config import Settings
from jobs.media.highlights.llm import LLMRanker
from jobs.media.highlights.llm_client import LLMError, LLMInvalidResponse, LLMUnavailable
from jobs.media.highlights.select import select_top
from jobs.media.types import AudioFeatures, ScoredClip, TranscriptResult
from tests.highlights.synth import NEUTRAL, transcript
from tests.highlights.test_local_scorer import HOOK
from tests.servers.fake_openai import FakeOpenAI, Reply, fail, ok, prompt

LINE = re.compile(r"^\[(\d+\.\d+)-(\d+\.\d+)\] (.*)$", re.MULTILINE)
WINDOW = re.compile(r"Transcript excerpt from (\d+\.\d+)s to (\d+\.\d+)s")


def _ranker(server: FakeOpenAI, **kw: Any) -> LLMRanker:
    settings = Settings(
        llm_base_url=server.base_url,
        llm_api_key="sk-test",
        llm_model="fake-model",
        clip_min_seconds=20,
        clip_max_seconds=60,
    )
    return LLMRanker.from_settings(settings, backoff=0.0, **kw)


def _short() -> TranscriptResult:
    return transcript(NEUTRAL * 3 + HOOK + NEUTRAL * 3)


def _hook_start(tr: TranscriptResult) -> float:
    return next(w.start for w in tr.words if w.text.strip() == "Why")


def _valid(tr: TranscriptResult) -> dict[str, Any]:
    h = _hook_start(tr)
    return {
        "clips": [
            {
                "start": h,
                "end": h + 30,
                "score": 91,
                "title": "Why 90% of startups fail",
                "reason": "Opens with a provocative question and a statistic.",
            }
        ]
    }


def _on_words(clips: list[ScoredClip], tr: TranscriptResult) -> None:
    starts = {w.start for w in tr.words}
    ends = {w.end for w in tr.words}
    for c in clips:
        assert c.start in starts and c.end in ends, c
        assert 20 <= c.end - c.start <= 60, c


async def test_snaps_cuts_to_words_and_clamps_duration(fake_openai: FakeOpenAI) -> None:
    tr = _short()
    h = _hook_start(tr)
    fake_openai.script(
        ok(
            {
                "clips": [
                    # mid-word start, far too long
                    {
                        "start": h + 0.13,
                        "end": h + 95.3,
                        "score": 88,
                        "title": "Why startups fail",
                        "reason": "A question with a number.",
                    },
                    # starts before the transcript, ends mid-word, too short
                    {
                        "start": -3.0,
                        "end": 9.1,
                        "score": 55,
                        "title": "Market morning",
                        "reason": "Calm scene setting.",
                    },
                ]
            }
        )
    )
    clips = await _ranker(fake_openai).score(tr, AudioFeatures(), [])
    assert len(fake_openai.requests) == 1
    req = fake_openai.requests[0]
    assert req["response_format"] == {"type": "json_object"} and req["model"] == "fake-model"
    assert len(clips) == 2
    _on_words(clips, tr)
    best = max(clips, key=lambda c: c.score)
    assert best.start == h  # snapped onto the sentence start 0.13 s earlier
    assert best.score == 88 and best.title == "Why startups fail"
    other = min(clips, key=lambda c: c.score)
    assert other.start == tr.words[0].start  # clamped into the transcript


@pytest.mark.parametrize(
    ("bad", "complaint"),
    [
        ("{'clips': [oops", "not valid JSON"),
        (
            json.dumps(
                {"clips": [{"start": 1, "end": 30, "score": 150, "title": "t", "reason": "r"}]}
            ),
            "score",
        ),
        (
            json.dumps(
                {"clips": [{"start": 5000, "end": 5030, "score": 80, "title": "t", "reason": "r"}]}
            ),
            "outside",
        ),
        (json.dumps({"moments": []}), "clips"),
    ],
)
async def test_invalid_reply_is_retried_with_the_problem_stated(
    fake_openai: FakeOpenAI, bad: str, complaint: str
) -> None:
    tr = _short()
    fake_openai.script(Reply(content=bad), ok(_valid(tr)))
    clips = await _ranker(fake_openai).score(tr, AudioFeatures(), [])
    assert len(fake_openai.requests) == 2
    retry = fake_openai.requests[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": bad}
    assert complaint in retry[-1]["content"] and "invalid" in retry[-1]["content"]
    assert [c.start for c in clips] == [_hook_start(tr)]


async def test_fenced_json_is_accepted(fake_openai: FakeOpenAI) -> None:
    tr = _short()
    fake_openai.script(ok("```json\n" + json.dumps(_valid(tr)) + "\n```"))
    clips = await _ranker(fake_openai).score(tr, AudioFeatures(), [])
    assert len(clips) == 1 and len(fake_openai.requests) == 1


async def test_gives_up_after_repeated_invalid_replies(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(*[ok("not json at all") for _ in range(3)])
    with pytest.raises(LLMInvalidResponse):
        await _ranker(fake_openai, attempts=3).score(_short(), AudioFeatures(), [])
    assert len(fake_openai.requests) == 3


async def test_server_error_then_success(fake_openai: FakeOpenAI) -> None:
    tr = _short()
    fake_openai.script(fail(500, "upstream exploded"), ok(_valid(tr)))
    clips = await _ranker(fake_openai).score(tr, AudioFeatures(), [])
    assert len(fake_openai.requests) == 2 and len(clips) == 1


@pytest.mark.parametrize("status", [503, 429])
async def test_persistent_outage_raises_llm_unavailable(
    fake_openai: FakeOpenAI, status: int
) -> None:
    fake_openai.responder = lambda body: fail(status, "overloaded")
    with pytest.raises(LLMUnavailable):
        await _ranker(fake_openai, transient_attempts=3).score(_short(), AudioFeatures(), [])
    assert len(fake_openai.requests) == 3


async def test_connection_refused_is_unavailable() -> None:
    settings = Settings(llm_base_url="http://127.0.0.1:9/v1", clip_min_seconds=20)
    ranker = LLMRanker.from_settings(settings, backoff=0.0, transient_attempts=2)
    with pytest.raises(LLMUnavailable):
        await ranker.score(_short(), AudioFeatures(), [])


async def test_auth_error_is_permanent(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(fail(401, "bad key"))
    with pytest.raises(LLMError) as exc:
        await _ranker(fake_openai).score(_short(), AudioFeatures(), [])
    assert not isinstance(exc.value, LLMUnavailable)
    assert len(fake_openai.requests) == 1


def _long_video_responder(hook_score: float, rerank: dict[str, Any] | None) -> Any:
    """Answers window prompts with one clip per window and the re-rank prompt with `rerank`."""

    def respond(body: dict[str, Any]) -> Reply:
        user = prompt(body)
        if "candidate clips" in user:
            if rerank is None:
                return ok("{}")
            ids = [int(m) for m in re.findall(r"^(\d+)\. ", user, re.MULTILINE)]
            listing = dict(re.findall(r"^(\d+)\. (.*)$", user, re.MULTILINE))
            return ok(
                {
                    "scores": [
                        {
                            "id": i,
                            "score": rerank["hook"]
                            if "percent" in listing[str(i)]
                            else rerank["other"],
                        }
                        for i in ids
                    ]
                }
            )
        lines = [(float(a), float(b), t) for a, b, t in LINE.findall(user)]
        hook = next((x for x in lines if x[2].startswith("Why do 90")), None)
        first = hook or lines[0]
        end = next(b for a, b, t in lines if b - first[0] >= 25)
        return ok(
            {
                "clips": [
                    {
                        "start": first[0],
                        "end": end,
                        "score": hook_score if hook else 85,
                        "title": first[2][:60],
                        "reason": "Strong opening line.",
                    }
                ]
            }
        )

    return respond


async def test_long_video_windows_cover_everything_and_rerank_globally(
    fake_openai: FakeOpenAI,
) -> None:
    tr = transcript(NEUTRAL * 50 + HOOK + NEUTRAL * 12)  # ~30 minutes, the hook at ~24 min
    fake_openai.responder = _long_video_responder(60, {"hook": 96, "other": 40})
    clips = await _ranker(fake_openai).score(tr, AudioFeatures(), [])
    prompts = fake_openai.user_messages()
    found = [WINDOW.search(p) for p in prompts[:-1]]
    # windows run two at a time, so they reach the server in any order
    windows = sorted((float(m.group(1)), float(m.group(2))) for m in found if m)
    assert len(windows) == len(prompts) - 1
    assert len(windows) >= 4
    assert all(b - a <= 540 + 60 + 15 for a, b in windows)  # a short tail joins the last one
    assert windows[0][0] == pytest.approx(tr.words[0].start, abs=0.01)
    assert windows[-1][1] == pytest.approx(tr.words[-1].end, abs=0.01)
    for (_, b0), (a1, _) in zip(windows, windows[1:], strict=False):
        assert a1 < b0 - 50  # consecutive windows overlap by about a clip length
    assert "candidate clips" in prompts[-1]
    _on_words(clips, tr)
    top = select_top(clips, 3)
    # the window-local score (60) was below the others (85); the global re-rank fixes that
    assert top[0].start == _hook_start(tr) and top[0].score == 96
    assert {c.score for c in top[1:]} == {40}


async def test_rerank_failure_falls_back_to_centred_scores(fake_openai: FakeOpenAI) -> None:
    tr = transcript(NEUTRAL * 50 + HOOK + NEUTRAL * 12)
    fake_openai.responder = _long_video_responder(60, None)
    clips = await _ranker(fake_openai, attempts=2).score(tr, AudioFeatures(), [])
    rerank_calls = [p for p in fake_openai.user_messages() if "candidate clips" in p]
    assert len(rerank_calls) == 2  # asked again once, then centred per window
    assert clips and all(0 <= c.score <= 100 for c in clips)
    _on_words(clips, tr)
