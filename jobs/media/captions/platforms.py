"""Per-platform caption limits (characters), checked by both caption writers.

| platform        | limit                                   | hashtags we add |
| --------------- | --------------------------------------- | --------------- |
| TIKTOK          | 2,200 (caption incl. hashtags)          | 5               |
| INSTAGRAM       | 2,200 (caption incl. hashtags; max 30)  | 5               |
| YOUTUBE_SHORTS  | title 100, description 5,000            | 3 (+ #Shorts)   |
| LINKEDIN        | 3,000 (post)                            | 3               |
| X               | 280 weighted (emoji / CJK count 2)      | 3               |

PlatformCaption.text is the full post as it would be pasted, hashtags included at the end;
PlatformCaption.hashtags repeats them; PlatformCaption.title is set for YOUTUBE_SHORTS only.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs.media.types import PlatformCaption


@dataclass(frozen=True)
class Platform:
    name: str
    text_limit: int
    title_limit: int = 0  # 0: the platform has no separate title
    hashtags: int = 3


TIKTOK = Platform("TIKTOK", 2200, hashtags=5)
INSTAGRAM = Platform("INSTAGRAM", 2200, hashtags=5)
YOUTUBE_SHORTS = Platform("YOUTUBE_SHORTS", 5000, title_limit=100, hashtags=4)
LINKEDIN = Platform("LINKEDIN", 3000, hashtags=3)
X = Platform("X", 280, hashtags=3)

PLATFORMS: tuple[Platform, ...] = (TIKTOK, INSTAGRAM, YOUTUBE_SHORTS, LINKEDIN, X)
BY_NAME = {p.name: p for p in PLATFORMS}
MIN_HASHTAGS, MAX_HASHTAGS = 3, 5


def x_length(text: str) -> int:
    """Length as X counts it: most Latin text weighs 1, emoji and CJK weigh 2."""
    total = 0
    for ch in text:
        cp = ord(ch)
        light = cp <= 4351 or 8192 <= cp <= 8205 or 8208 <= cp <= 8223 or 8242 <= cp <= 8247
        total += 1 if light else 2
    return total


def measured(platform: Platform, text: str) -> int:
    return x_length(text) if platform is X else len(text)


def fits(platform: Platform, caption: PlatformCaption) -> bool:
    if measured(platform, caption.text) > platform.text_limit:
        return False
    return not (platform.title_limit and len(caption.title) > platform.title_limit)
