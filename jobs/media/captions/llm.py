"""Social captions written by an OpenAI-compatible chat model, validated per platform.

One JSON call per clip. Replies are checked against each platform's limits and hashtag
count and re-asked (with the problem stated) when they miss; transient server failures
raise LLMUnavailable for the job layer to retry. There is no silent fallback to the local
writer: a clip either gets LLM captions or the job reports why not.
"""

from __future__ import annotations

import re
from typing import Any

from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings
from jobs.media.captions import platforms as pf
from jobs.media.captions.keywords import hashtag
from jobs.media.highlights.llm_client import InvalidReply, chat_json, make_client
from jobs.media.types import PlatformCaption

_TRAILING_TAGS = re.compile(r"(?:\s*#[\w-]+)+\s*$")


class PlatformDraft(BaseModel):
    text: str = Field(min_length=1)
    hashtags: list[str]
    title: str = ""


class CaptionDraft(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    tiktok: PlatformDraft = Field(alias="TIKTOK")
    instagram: PlatformDraft = Field(alias="INSTAGRAM")
    youtube_shorts: PlatformDraft = Field(alias="YOUTUBE_SHORTS")
    linkedin: PlatformDraft = Field(alias="LINKEDIN")
    x: PlatformDraft = Field(alias="X")

    def by_platform(self) -> dict[str, PlatformDraft]:
        return {
            "TIKTOK": self.tiktok,
            "INSTAGRAM": self.instagram,
            "YOUTUBE_SHORTS": self.youtube_shorts,
            "LINKEDIN": self.linkedin,
            "X": self.x,
        }


SYSTEM_PROMPT = (
    "You are a social media editor who writes captions for short video clips. You match "
    "each platform's tone: TikTok casual and punchy, Instagram warm with a call to action, "
    "YouTube Shorts a searchable title plus a short description, LinkedIn professional and "
    "reflective, X one crisp line. You stay faithful to what the speaker said and answer "
    "with JSON only."
)


class LLMCaptionWriter:
    """CaptionWriter backed by an OpenAI-compatible chat model."""

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        attempts: int = 3,
        transient_attempts: int = 3,
        backoff: float = 1.0,
    ) -> None:
        self.client = client
        self.model = model
        self.attempts = attempts
        self.transient_attempts = transient_attempts
        self.backoff = backoff

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> LLMCaptionWriter:
        return cls(make_client(settings), settings.llm_model, **kwargs)

    async def write(self, title: str, transcript: str) -> list[PlatformCaption]:
        limits = "; ".join(
            f"{p.name}: text with hashtags at most {p.text_limit} characters"
            + (f", title at most {p.title_limit}" if p.title_limit else "")
            for p in pf.PLATFORMS
        )
        user = (
            f"Clip title: {title}\n\nWhat is said in the clip:\n{transcript.strip()}\n\n"
            "Write a caption for each platform. Limits: "
            f"{limits}. Give {pf.MIN_HASHTAGS}-{pf.MAX_HASHTAGS} CamelCase hashtags per "
            "platform from the clip's topics, separately from the text (do not repeat them in "
            "the text). YOUTUBE_SHORTS also needs a title.\n"
            'Reply with a JSON object: {"TIKTOK": {"text": "...", "hashtags": ["#..."]}, '
            '"INSTAGRAM": {...}, "YOUTUBE_SHORTS": {"title": "...", "text": "...", '
            '"hashtags": [...]}, "LINKEDIN": {...}, "X": {...}}'
        )
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
        ]
        result: list[PlatformCaption] = await chat_json(
            self.client,
            self.model,
            messages,
            validate_captions,
            attempts=self.attempts,
            transient_attempts=self.transient_attempts,
            backoff=self.backoff,
        )
        return result


def validate_captions(obj: dict[str, Any]) -> list[PlatformCaption]:
    """Parse, normalise hashtags, and check every platform's limits (InvalidReply if not)."""
    draft = CaptionDraft.model_validate(obj)
    problems: list[str] = []
    out: list[PlatformCaption] = []
    for name, d in draft.by_platform().items():
        platform = pf.BY_NAME[name]
        tags = _normalise_tags(d.hashtags)[: pf.MAX_HASHTAGS]
        if len(tags) < pf.MIN_HASHTAGS:
            problems.append(f"{name} needs {pf.MIN_HASHTAGS}-{pf.MAX_HASHTAGS} hashtags")
        body = _TRAILING_TAGS.sub("", d.text).strip()
        if not body:
            problems.append(f"{name} text is empty")
        text = f"{body}\n\n{' '.join(tags)}" if tags else body
        cap = PlatformCaption(name, text, tuple(tags), title=d.title.strip())
        if platform.title_limit and not cap.title:
            problems.append(f"{name} needs a title")
        if not pf.fits(platform, cap):
            problems.append(
                f"{name} is too long ({pf.measured(platform, text)} characters with hashtags, "
                f"limit {platform.text_limit}"
                + (
                    f"; title {len(cap.title)}, limit {platform.title_limit}"
                    if platform.title_limit
                    else ""
                )
                + ")"
            )
        out.append(cap)
    if problems:
        raise InvalidReply("; ".join(problems))
    return out


def _normalise_tags(raw: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for t in raw:
        tag = hashtag(t.lstrip("#")) if " " in t.strip() or not t.startswith("#") else t.strip()
        tag = "#" + re.sub(r"[^\w]", "", tag.lstrip("#"))
        if len(tag) > 1 and tag.lower() not in seen:
            seen.add(tag.lower())
            out.append(tag)
    return out
