"""Built-in social captions: the clip's own sentences and keywords, shaped per platform.

Nothing is invented: the hook is the clip's title (its opening words), the quote and the
payoff are sentences the speaker said, hashtags are CamelCased keywords. Only short
connective lines (a comment prompt) are written here, and they name the clip's keywords,
so no two clips get the same caption.
"""

from __future__ import annotations

import hashlib
import re

from jobs.media.captions import platforms as pf
from jobs.media.captions.keywords import hashtags, keywords
from jobs.media.highlights.text import bare, is_filler, trim_to
from jobs.media.types import PlatformCaption

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_FILLER_RUN = re.compile(r"\b(?:um+|uh+|uhm|erm|hmm+|mm+)\b[,.]?\s*", re.IGNORECASE)


class LocalCaptionWriter:
    """Deterministic captions for every platform; never touches the network."""

    async def write(self, title: str, transcript: str) -> list[PlatformCaption]:
        return write_captions(title, transcript)


def write_captions(title: str, transcript: str) -> list[PlatformCaption]:
    """Captions for all platforms in platforms.PLATFORMS, each within its limit.

    Raises ValueError when both title and transcript are empty: there is nothing to say.
    """
    if not title.strip() and not transcript.strip():
        raise ValueError("a clip with no title and no words has nothing to caption")
    c = _Material.build(title, transcript)
    return [
        _tiktok(c),
        _instagram(c),
        _youtube(c),
        _linkedin(c),
        _x(c),
    ]


class _Material:
    """What every platform draws from: hook, quote, payoff, keywords, a stable variant."""

    def __init__(self, hook: str, sentences: list[str], keys: list[str], seed: int) -> None:
        self.hook = hook
        self.sentences = sentences
        self.keys = keys
        self.seed = seed
        ranked = sorted(
            (s for s in sentences if _same(s, hook) is False and 5 <= len(s.split()) <= 40),
            key=lambda s: (-_density(s, keys), sentences.index(s)),
        )
        self.quote = ranked[0] if ranked else ""
        later = [s for s in ranked[1:] if sentences.index(s) > sentences.index(self.quote)]
        self.payoff = later[0] if later else (ranked[1] if len(ranked) > 1 else "")

    @classmethod
    def build(cls, title: str, transcript: str) -> _Material:
        text = _clean(transcript)
        sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
        hook = " ".join(title.split()) or (sentences[0] if sentences else "")
        spoken = _same(text, hook) or hook.lower().rstrip(".!?…") in text.lower()
        keys = keywords(text if spoken else f"{hook}. {text}", k=10)
        if len(keys) < pf.MIN_HASHTAGS:  # very short clips: fall back on the title's words
            keys += [w for w in (bare(x) for x in hook.split()) if len(w) > 3 and w not in keys]
        seed = int(hashlib.sha256(f"{title}|{transcript}".encode()).hexdigest()[:8], 16)
        return cls(hook, sentences, keys, seed)

    def pick(self, options: list[str]) -> str:
        return options[self.seed % len(options)]

    def tags(self, n: int, extra: tuple[str, ...] = ()) -> list[str]:
        return hashtags(self.keys, n - len(extra)) + list(extra)

    @property
    def topic(self) -> str:
        """The leading single key word: it reads best inside a sentence ("your take on X")."""
        single = [k for k in self.keys[:3] if " " not in k]
        return (single or self.keys or ["this"])[0]

    @property
    def emoji(self) -> str:
        if "?" in self.hook:
            return "🤔"
        if re.search(r"\d", self.hook):
            return "📈"
        return self.pick(["🔥", "🎯", "💡", "👀"])


def _tiktok(c: _Material) -> PlatformCaption:
    tags = c.tags(pf.TIKTOK.hashtags)
    prompt = c.pick(
        [
            f"What's your take on {c.topic}? 👇",
            f"Agree or disagree on {c.topic}?",
            f"Tell me about {c.topic} in the comments 👇",
        ]
    )
    body = f"{trim_to(c.hook, 150)} {c.emoji}\n\n{prompt}"
    return _finish(pf.TIKTOK, body, tags)


def _instagram(c: _Material) -> PlatformCaption:
    tags = c.tags(pf.INSTAGRAM.hashtags)
    parts = [f"{c.emoji} {trim_to(c.hook, 200)}"]
    if c.quote:
        parts.append(f"“{trim_to(c.quote, 400)}”")
    if c.payoff:
        parts.append(trim_to(c.payoff, 400))
    parts.append(
        c.pick(
            [
                f"Save this for the next time {c.topic} comes up.",
                f"Send this to someone who needs to hear it about {c.topic}.",
                f"Follow for more on {c.topic}.",
            ]
        )
    )
    return _finish(pf.INSTAGRAM, "\n\n".join(parts), tags)


def _youtube(c: _Material) -> PlatformCaption:
    tags = c.tags(pf.YOUTUBE_SHORTS.hashtags, extra=("#Shorts",))
    title = trim_to(c.hook, pf.YOUTUBE_SHORTS.title_limit)
    parts = [p for p in (c.quote, c.payoff) if p] or [c.hook]
    body = "\n\n".join(trim_to(p, 600) for p in parts)
    cap = _finish(pf.YOUTUBE_SHORTS, body, tags)
    return PlatformCaption(cap.platform, cap.text, cap.hashtags, title=title)


def _linkedin(c: _Material) -> PlatformCaption:
    tags = c.tags(pf.LINKEDIN.hashtags)
    parts = [trim_to(c.hook, 300)]
    if c.quote:
        parts.append(f"“{trim_to(c.quote, 700)}”")
    if c.payoff:
        parts.append(trim_to(c.payoff, 700))
    second = c.keys[1] if len(c.keys) > 1 else c.topic
    parts.append(
        c.pick(
            [
                f"How do you think about {c.topic} and {second} in your work?",
                f"Where do you stand on {c.topic}? I'd like to hear other views.",
                f"What has your experience with {c.topic} been?",
            ]
        )
    )
    return _finish(pf.LINKEDIN, "\n\n".join(parts), tags)


def _x(c: _Material) -> PlatformCaption:
    tags = c.tags(pf.X.hashtags)
    tag_line = " ".join(tags)
    room = pf.X.text_limit - pf.x_length(tag_line) - 2  # two newlines before the tags
    body = c.hook
    if c.quote and pf.x_length(f"{body}\n\n“{c.quote}”") <= room:
        body = f"{body}\n\n“{c.quote}”"
    while pf.x_length(body) > room:  # emoji and CJK weigh double: trim until it fits
        body = trim_to(body, max(10, len(body) - max(1, pf.x_length(body) - room)))
    return _finish(pf.X, body, tags)


def _finish(platform: pf.Platform, body: str, tags: list[str]) -> PlatformCaption:
    tag_line = " ".join(tags)
    limit = platform.text_limit - (len(tag_line) + 2 if tags else 0)
    if pf.measured(platform, body) > limit:
        body = trim_to(body, limit)
    text = f"{body}\n\n{tag_line}" if tags else body
    return PlatformCaption(platform=platform.name, text=text, hashtags=tuple(tags))


def _clean(text: str) -> str:
    text = _FILLER_RUN.sub("", text)
    return " ".join(text.split())


def _density(sentence: str, keys: list[str]) -> float:
    low = sentence.lower()
    hits = sum(1 for k in keys if k.lower() in low)
    return hits / (1 + len(sentence.split()) / 20)


def _same(a: str, b: str) -> bool:
    wa = [w for w in (bare(x) for x in a.split()) if w and not is_filler(w)]
    wb = [w for w in (bare(x) for x in b.split()) if w and not is_filler(w)]
    n = min(len(wa), len(wb), 6)
    return n > 0 and wa[:n] == wb[:n]
