"""The LLM caption writer against a local Chat Completions server."""

from __future__ import annotations

from typing import Any

import pytest

from core.config import Settings
from jobs.media.captions import platforms as pf
from jobs.media.captions.llm import LLMCaptionWriter
from jobs.media.captions.writer import pick_writer
from jobs.media.highlights.llm_client import LLMInvalidResponse, LLMUnavailable
from tests.servers.fake_openai import FakeOpenAI, fail, ok

TITLE = "Why do 90 percent of startups fail in their first year?"
TEXT = "Why do 90 percent of startups fail? Founders who shipped weekly survived."


def _draft(
    x_text: str = "90% of startups fail. The ones that ship weekly don't.",
) -> dict[str, Any]:
    return {
        "TIKTOK": {
            "text": "Why most startups die young 😬",
            "hashtags": ["#Startups", "founders", "#ShipIt"],
        },
        "INSTAGRAM": {
            "text": "90% of startups fail in year one. The survivors ship every week. #Startups",
            "hashtags": ["#Startups", "#Founders", "#Entrepreneurship", "#Growth"],
        },
        "YOUTUBE_SHORTS": {
            "title": "Why 90% of Startups Fail",
            "text": "The founders who survived shipped every single week.",
            "hashtags": ["#Startups", "#Founders", "#Shorts"],
        },
        "LINKEDIN": {
            "text": "We studied 400 startups. The difference was shipping cadence.",
            "hashtags": ["#Leadership", "#Startups", "#ProductManagement"],
        },
        "X": {"text": x_text, "hashtags": ["#startups", "#buildinpublic", "#founders"]},
    }


def _writer(server: FakeOpenAI, **kw: Any) -> LLMCaptionWriter:
    settings = Settings(llm_base_url=server.base_url, llm_api_key="sk-test", llm_model="fake-model")
    return LLMCaptionWriter.from_settings(settings, backoff=0.0, **kw)


async def test_valid_reply_becomes_normalised_captions(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(ok(_draft()))
    caps = {c.platform: c for c in await _writer(fake_openai).write(TITLE, TEXT)}
    assert list(caps) == [p.name for p in pf.PLATFORMS]
    assert caps["TIKTOK"].hashtags == ("#Startups", "#Founders", "#ShipIt")  # "founders" fixed
    # hashtags the model also put in the text are not doubled
    assert caps["INSTAGRAM"].text.count("#Startups") == 1
    assert caps["INSTAGRAM"].text.endswith("#Startups #Founders #Entrepreneurship #Growth")
    assert caps["YOUTUBE_SHORTS"].title == "Why 90% of Startups Fail"
    assert all(pf.fits(pf.BY_NAME[n], c) for n, c in caps.items())
    prompt = fake_openai.requests[0]["messages"][1]["content"]
    assert TEXT in prompt and "X: text with hashtags at most 280" in prompt


async def test_over_limit_reply_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(ok(_draft(x_text="word " * 80)), ok(_draft()))
    caps = {c.platform: c for c in await _writer(fake_openai).write(TITLE, TEXT)}
    assert len(fake_openai.requests) == 2
    assert "X is too long" in fake_openai.requests[1]["messages"][-1]["content"]
    assert pf.x_length(caps["X"].text) <= 280


async def test_too_few_hashtags_then_malformed_then_gives_up(fake_openai: FakeOpenAI) -> None:
    bad = _draft()
    bad["LINKEDIN"]["hashtags"] = ["#One"]
    fake_openai.script(ok(bad), ok("{broken"), ok(bad))
    with pytest.raises(LLMInvalidResponse):
        await _writer(fake_openai, attempts=3).write(TITLE, TEXT)
    assert len(fake_openai.requests) == 3
    assert "LINKEDIN needs 3-5 hashtags" in fake_openai.requests[1]["messages"][-1]["content"]


async def test_500_then_success_and_persistent_503(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(fail(500), ok(_draft()))
    assert len(await _writer(fake_openai).write(TITLE, TEXT)) == 5
    fake_openai.reset()
    fake_openai.responder = lambda body: fail(503, "overloaded")
    with pytest.raises(LLMUnavailable):
        await _writer(fake_openai, transient_attempts=2).write(TITLE, TEXT)
    assert len(fake_openai.requests) == 2


async def test_pick_writer_uses_the_configured_server(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(ok(_draft()))
    writer = pick_writer(Settings(llm_base_url=fake_openai.base_url, llm_model="fake-model"))
    caps = await writer.write(TITLE, TEXT)
    assert len(caps) == 5 and fake_openai.requests[0]["model"] == "fake-model"
