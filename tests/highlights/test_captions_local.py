from __future__ import annotations

import pytest

from core.config import Settings
from jobs.media.captions import platforms as pf
from jobs.media.captions.keywords import hashtag, hashtags, keywords
from jobs.media.captions.llm import LLMCaptionWriter
from jobs.media.captions.local import LocalCaptionWriter, write_captions
from jobs.media.captions.writer import pick_writer

STARTUPS = (
    "Why do 90 percent of startups fail in their first year?",
    "Why do 90 percent of startups fail in their first year? It is not the money, and it is "
    "not the market. We studied four hundred startups over ten years with Stanford. The "
    "founders who survived shipped something every single week. Speed beats polish, every "
    "time, and the data proves it. Startups that ship weekly survive.",
)
HIRING = (
    "Here is the thing nobody tells you about hiring",
    "So, um, here is the thing nobody tells you about hiring. Your first ten hires define "
    "your culture for years. We hired fast in Berlin and it nearly broke the company. Hiring "
    "slowly felt painful, but hiring the wrong people costs far more. Culture is what you "
    "tolerate, not what you write on a wall.",
)
# A long, emoji-heavy monologue to push every platform against its limit.
LONG = (
    "🔥🔥 " + "Machine learning teams in São Paulo ship models every day 🚀 " * 3,
    " ".join(
        f"Machine learning teams in São Paulo ship {n} models a week and measure each one 📊."
        for n in range(200)
    ),
)


def test_keywords_and_hashtags() -> None:
    keys = keywords(
        "Machine learning is changing how startups hire. Most startups still hire badly. "
        "Machine learning tools from OpenAI screen candidates in Berlin."
    )
    assert keys[0] == "machine learning"
    assert "startups" in keys and "OpenAI" in keys
    assert "is" not in keys and "how" not in keys
    assert hashtag("machine learning") == "#MachineLearning"
    assert hashtag("ai") == "#AI"
    assert hashtag("OpenAI") == "#OpenAI"
    assert hashtags(["hiring", "Hiring", "x" * 40, "culture"], 5) == ["#Hiring", "#Culture"]


@pytest.mark.parametrize("clip", [STARTUPS, HIRING, LONG])
def test_every_platform_within_limits_with_3_to_5_hashtags(clip: tuple[str, str]) -> None:
    caps = write_captions(*clip)
    assert [c.platform for c in caps] == [p.name for p in pf.PLATFORMS]
    for c in caps:
        p = pf.BY_NAME[c.platform]
        assert pf.fits(p, c), (c.platform, pf.measured(p, c.text))
        assert 3 <= len(c.hashtags) <= 5, c
        assert all(t.startswith("#") and " " not in t for t in c.hashtags)
        assert c.text.endswith(" ".join(c.hashtags))  # hashtags are part of the post
        assert "um," not in c.text
    yt = next(c for c in caps if c.platform == "YOUTUBE_SHORTS")
    assert 0 < len(yt.title) <= 100


def test_x_counts_emoji_double() -> None:
    assert pf.x_length("abc") == 3 and pf.x_length("🔥") == 2
    x = next(c for c in write_captions(*LONG) if c.platform == "X")
    assert pf.x_length(x.text) <= 280


def test_captions_come_from_the_clip_and_differ_between_clips() -> None:
    a = {c.platform: c for c in write_captions(*STARTUPS)}
    b = {c.platform: c for c in write_captions(*HIRING)}
    for name in a:
        assert a[name].text != b[name].text
        assert set(a[name].hashtags) != set(b[name].hashtags)
    assert "#Startups" in a["TIKTOK"].hashtags and "#Hiring" in b["TIKTOK"].hashtags
    assert "Why do 90 percent of startups fail" in a["X"].text
    # the body is the speaker's own sentences
    quote = a["LINKEDIN"].text.split("“")[1].split("”")[0]
    assert len(quote.split()) >= 5 and quote in STARTUPS[1]
    # platform tone and length differ
    assert len(a["LINKEDIN"].text) > len(a["TIKTOK"].text)
    assert "#Shorts" in a["YOUTUBE_SHORTS"].hashtags


def test_short_clip_still_gets_hashtags() -> None:
    caps = write_captions("Pricing matters", "Pricing matters more than features.")
    assert all(len(c.hashtags) >= 3 for c in caps)
    assert all(c.text.strip() for c in caps)
    with pytest.raises(ValueError):
        write_captions(" ", "")


async def test_pick_writer_and_local_writer() -> None:
    assert isinstance(pick_writer(Settings(llm_base_url=None)), LocalCaptionWriter)
    assert isinstance(pick_writer(Settings(llm_base_url="http://127.0.0.1:9/v1")), LLMCaptionWriter)
    caps = await LocalCaptionWriter().write(*HIRING)
    assert caps == write_captions(*HIRING)  # deterministic
