"""Prompted clipping and score breakdowns, for both engines (the LLM through a local server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.clip_options import ClipOptions
from core.config import Settings
from jobs.media.highlights.candidates import build_candidates
from jobs.media.highlights.llm import LLMRanker
from jobs.media.highlights.local import ON_TOPIC, WEIGHTS, LocalScorer
from jobs.media.highlights.select import find_highlights, pick_engine, select_top
from jobs.media.types import AudioFeatures, ScoredClip, TranscriptResult
from tests.highlights.synth import NEUTRAL, flat_audio, transcript
from tests.highlights.test_openings import FILLER, HOOKS
from tests.highlights.topics import PROMPTS, SECTIONS, TALK, UNRELATED
from tests.servers.fake_openai import FakeOpenAI, ok

OPTIONS = ClipOptions(min_seconds=8, max_seconds=20, count=3)
LOCAL = Settings(llm_base_url=None)


def _bounds(tr: TranscriptResult) -> list[tuple[float, float]]:
    out, k = [], 0
    for section in SECTIONS:
        segs = tr.segments[k : k + len(section)]
        out.append((segs[0].start, segs[-1].end))
        k += len(section)
    return out


def _inside(clip: ScoredClip, span: tuple[float, float]) -> float:
    """The share of the clip lying inside the span."""
    inter = min(clip.end, span[1]) - max(clip.start, span[0])
    return max(0.0, inter) / (clip.end - clip.start)


async def _local(tr: TranscriptResult, prompt: str | None, **kw: Any) -> list[ScoredClip]:
    options = ClipOptions(OPTIONS.min_seconds, OPTIONS.max_seconds, OPTIONS.count, prompt)
    engine = LocalScorer(prompt=prompt, **kw)
    return await find_highlights(tr, AudioFeatures(), LOCAL, engine, options=options)


def _parts(clip: ScoredClip) -> dict[str, float]:
    return {p.name: p.score for p in clip.breakdown}


def _engagement(parts: dict[str, float]) -> float:
    keys = [k for k in parts if k in WEIGHTS]
    return sum(WEIGHTS[k] * parts[k] for k in keys) / sum(WEIGHTS[k] for k in keys)


async def test_a_prompt_puts_its_section_first() -> None:
    """Rate over the prompts (text transcript; the speech test measures it on real audio):
    with meaning 9 of 9; words alone 7 of 9, missing the two whose words are never said."""
    tr = transcript(TALK)
    bounds = _bounds(tr)
    rates = {}
    for semantic in (True, False):
        hits = 0
        for prompt, section in PROMPTS:
            top = (await _local(tr, prompt, semantic=semantic))[0]
            hits += _inside(top, bounds[section]) >= 0.75
        rates[semantic] = hits
    assert rates[True] == len(PROMPTS)
    assert rates[False] >= len(PROMPTS) - 3


async def test_reason_and_breakdown_with_a_prompt() -> None:
    tr = transcript(TALK)
    clips = await _local(tr, "Find the moments about pricing")
    top = clips[0]
    assert top.reason.startswith("About pricing: ") and top.reason.endswith(".")
    parts = _parts(top)
    assert list(parts) == ["hook", "start", "ending", "rate", "filler", "relevance"]
    assert all(0 <= v <= 100 for c in clips for v in _parts(c).values())
    assert parts["relevance"] > 100 * ON_TOPIC
    assert top.score == pytest.approx(0.5 * _engagement(parts) + 0.5 * parts["relevance"], abs=0.2)
    off = [c for c in clips if _inside(c, _bounds(tr)[0]) == 0]
    assert off and all(c.reason.startswith("Only loosely about pricing; ") for c in off)


async def test_breakdown_without_a_prompt_is_the_engagement_signals() -> None:
    tr = transcript(TALK)
    candidates = build_candidates(tr, min_seconds=8, max_seconds=20)[:5]
    clips = await LocalScorer().score(tr, flat_audio(tr.duration), candidates)
    for c in clips:
        parts = _parts(c)
        assert set(parts) == set(WEIGHTS)  # audio given: energy and bursts too
        assert c.score == pytest.approx(_engagement(parts), abs=0.2)


@pytest.mark.parametrize("prompt", UNRELATED)
async def test_an_unrelated_prompt_changes_no_order(prompt: str) -> None:
    tr = transcript(TALK)
    plain = await _local(tr, None)
    steered = await _local(tr, prompt)
    assert [(c.start, c.end) for c in steered] == [(c.start, c.end) for c in plain]
    assert all(_parts(c)["relevance"] < 100 * ON_TOPIC for c in steered)
    assert all(c.reason.startswith(f"Only loosely about {prompt}; ") for c in steered)


def test_pick_engine_takes_the_options() -> None:
    opts = ClipOptions(min_seconds=10, max_seconds=30, count=2, prompt="hiring")
    local = pick_engine(LOCAL, opts)
    assert isinstance(local, LocalScorer) and local.prompt == "hiring"
    llm = pick_engine(Settings(llm_base_url="http://127.0.0.1:9/v1"), opts)
    assert isinstance(llm, LLMRanker)
    assert (llm.min_seconds, llm.max_seconds, llm.prompt) == (10, 30, "hiring")


# ---------------------------------------------------------------- the LLM engine


def _ranker(server: FakeOpenAI, prompt: str | None, lo: float = 8, hi: float = 20) -> LLMRanker:
    settings = Settings(llm_base_url=server.base_url, llm_api_key="sk-test", llm_model="m")
    options = ClipOptions(min_seconds=lo, max_seconds=hi, count=3, prompt=prompt)
    return LLMRanker.from_settings(settings, options=options, backoff=0.0)


def _span(tr: TranscriptResult, first: int, last: int) -> tuple[float, float]:
    return tr.segments[first].start, tr.segments[last].end


def _clip(span: tuple[float, float], **scores: float) -> dict[str, Any]:
    return {
        "start": span[0],
        "end": span[1],
        "title": "A title",
        "reason": "Strong opening line.",
        **scores,
    }


async def test_llm_prompt_is_in_the_instructions_and_relevance_steers(
    fake_openai: FakeOpenAI,
) -> None:
    tr = transcript(TALK)
    pricing = _clip(_span(tr, 0, 3), score=60, hook=70, flow=60, value=80, relevance=95)
    sleep = _clip(_span(tr, 6, 9), score=90, hook=95, flow=90, value=85, relevance=10)
    fake_openai.script(ok({"clips": [sleep, pricing]}))
    clips = select_top(
        await _ranker(fake_openai, "Find the moments about pricing").score(tr, AudioFeatures(), []),
        3,
    )
    user = fake_openai.user_messages()[0]
    assert "<request>Find the moments about pricing</request>" in user
    assert '"relevance": <0-100' in user and '"hook": <0-100' in user
    assert [c.start for c in clips] == [pricing["start"], sleep["start"]]
    top, other = clips
    assert top.score == pytest.approx(0.5 * 60 + 0.5 * 95)
    assert other.score == pytest.approx(0.5 * 90 + 0.5 * 10)
    assert [(p.name, p.score) for p in top.breakdown] == [
        ("hook", 70),
        ("flow", 60),
        ("value", 80),
        ("relevance", 95),
    ]
    assert top.reason == "About pricing: strong opening line."
    assert other.reason.startswith("Only loosely about pricing; ")


async def test_llm_reply_without_relevance_is_asked_again(fake_openai: FakeOpenAI) -> None:
    tr = transcript(TALK)
    span = _span(tr, 0, 3)
    fake_openai.script(
        ok({"clips": [_clip(span, score=70, hook=70, flow=70, value=70)]}),
        ok({"clips": [_clip(span, score=70, hook=70, flow=70, value=70, relevance=80)]}),
    )
    clips = await _ranker(fake_openai, "pricing").score(tr, AudioFeatures(), [])
    assert len(fake_openai.requests) == 2
    assert "no relevance score" in fake_openai.requests[1]["messages"][-1]["content"]
    assert _parts(clips[0])["relevance"] == 80


async def test_llm_without_a_prompt_breaks_down_into_its_sub_scores(
    fake_openai: FakeOpenAI,
) -> None:
    tr = transcript(TALK)
    fake_openai.script(
        ok({"clips": [_clip(_span(tr, 6, 9), score=88, hook=90, flow=80, value=75)]})
    )
    (clip,) = await _ranker(fake_openai, None).score(tr, AudioFeatures(), [])
    user = fake_openai.user_messages()[0]
    assert "<request>" not in user and '"relevance"' not in user
    assert clip.score == 88 and _parts(clip) == {"hook": 90, "flow": 80, "value": 75}
    assert clip.reason == "Strong opening line."


async def test_llm_clip_is_moved_off_its_filler_opening(fake_openai: FakeOpenAI) -> None:
    tr = transcript(FILLER + HOOKS + NEUTRAL * 2)
    why = next(w.start for w in tr.words if w.text.strip() == "Why")
    fake_openai.script(ok({"clips": [_clip(_span(tr, 0, 7), score=80)]}))
    (clip,) = await _ranker(fake_openai, None, lo=20, hi=40).score(tr, AudioFeatures(), [])
    assert clip.start == why
    assert 20 <= clip.end - clip.start <= 40  # the end moved on to keep the length
    assert json.loads(json.dumps(clip.signals))["engagement"] == 80
