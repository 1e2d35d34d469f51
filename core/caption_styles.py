"""Caption styles as plain data: the fields, their validation, and the built-in presets.

Shared by the api (it validates a user's style and lists the presets) and the worker (it
writes ASS subtitles in a style), so it lives in core and imports nothing heavy.

Fonts: libass silently falls back to another font when a family is missing, so a style may
only name a family the worker image installs. The api must not run fontconfig or import
media code, so it checks against a declared list: CAPTION_FONTS (what the image's
`fonts-dejavu-core` package installs; a test checks each is installed where the tests run)
plus CLIPFORGE_CAPTION_FONTS for images built with more fonts. The worker checks the real
fontconfig list again before rendering (jobs.media.styles.fonts).

Sizes are pixels on a 1080-pixel-wide frame (the short side of every export size), so one
style looks the same in 9:16, 1:1 and 16:9.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

Position = Literal["TOP", "MIDDLE", "BOTTOM"]
Animation = Literal["NONE", "KARAOKE", "WORD_BY_WORD", "POP"]
POSITIONS: tuple[Position, ...] = ("TOP", "MIDDLE", "BOTTOM")
ANIMATIONS: tuple[Animation, ...] = ("NONE", "KARAOKE", "WORD_BY_WORD", "POP")
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MIN_SIZE, MAX_SIZE = 16, 200
MAX_WORDS_PER_LINE = 12
MAX_NAME = 60

CAPTION_FONTS: tuple[str, ...] = ("DejaVu Sans", "DejaVu Sans Mono", "DejaVu Serif")
"""Font families the worker image installs (Dockerfile: fonts-dejavu-core)."""


@dataclass(frozen=True)
class CaptionStyle:
    name: str
    font: str = "DejaVu Sans"
    size: int = 72
    text_color: str = "#FFFFFF"
    highlight_color: str = "#FFD600"
    outline_color: str = "#000000"
    position: Position = "BOTTOM"
    animation: Animation = "KARAOKE"
    uppercase: bool = False
    words_per_line: int = 4
    bold: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaptionStyle:
        """A style stored with to_json (unknown keys, from a newer version, are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class StyleProblem:
    """A user-fixable problem with one field of the style (a typed payload error)."""

    code: str
    field: str  # the CaptionStyle field
    message: str


def font_family(name: str, fonts: Iterable[str]) -> str | None:
    """The family among `fonts` matching name (case-insensitive), in its own spelling."""
    wanted = name.strip().casefold()
    return next((f for f in fonts if f.casefold() == wanted), None)


def validate_style(style: CaptionStyle, fonts: Iterable[str] = CAPTION_FONTS) -> list[StyleProblem]:
    """Every problem with the style; empty when it can be rendered as given."""
    problems: list[StyleProblem] = []
    if not style.name.strip() or len(style.name) > MAX_NAME:
        problems.append(
            StyleProblem(
                "INVALID_STYLE_NAME",
                "name",
                f"Give the style a name of 1 to {MAX_NAME} characters.",
            )
        )
    choices = tuple(fonts)
    if font_family(style.font, choices) is None:
        problems.append(
            StyleProblem(
                "FONT_NOT_INSTALLED",
                "font",
                f"The font {style.font!r} is not installed; use one of: {', '.join(choices)}.",
            )
        )
    if not MIN_SIZE <= style.size <= MAX_SIZE:
        problems.append(
            StyleProblem(
                "INVALID_FONT_SIZE", "size", f"Size must be {MIN_SIZE} to {MAX_SIZE} pixels."
            )
        )
    for name in ("text_color", "highlight_color", "outline_color"):
        if not COLOR.match(getattr(style, name)):
            problems.append(StyleProblem("INVALID_COLOR", name, "Colours are written #RRGGBB."))
    if style.position not in POSITIONS:
        problems.append(
            StyleProblem("INVALID_POSITION", "position", "Position is TOP, MIDDLE or BOTTOM.")
        )
    if style.animation not in ANIMATIONS:
        problems.append(
            StyleProblem(
                "INVALID_ANIMATION",
                "animation",
                "Animation is NONE, KARAOKE, WORD_BY_WORD or POP.",
            )
        )
    if not 1 <= style.words_per_line <= MAX_WORDS_PER_LINE:
        problems.append(
            StyleProblem(
                "INVALID_WORDS_PER_LINE",
                "words_per_line",
                f"Words per line must be 1 to {MAX_WORDS_PER_LINE}.",
            )
        )
    return problems


PRESETS: dict[str, CaptionStyle] = {
    s.name: s
    for s in (
        # the default look of clips: bold white, the spoken word turns yellow
        CaptionStyle("karaoke", animation="KARAOKE", words_per_line=5),
        # bold upper case, a few words, the active one in a strong colour, middle of frame
        CaptionStyle(
            "bold-pop",
            size=88,
            highlight_color="#2BE84B",
            outline_color="#000000",
            position="MIDDLE",
            animation="WORD_BY_WORD",
            uppercase=True,
            words_per_line=3,
        ),
        # a clean lower third: regular weight, longer lines, no animation
        CaptionStyle(
            "lower-third",
            size=54,
            bold=False,
            outline_color="#202020",
            animation="NONE",
            words_per_line=7,
        ),
        # one word at a time, large, popping in
        CaptionStyle(
            "one-word",
            size=110,
            highlight_color="#FFFFFF",
            position="MIDDLE",
            animation="POP",
            uppercase=True,
            words_per_line=1,
        ),
    )
}
DEFAULT_PRESET = "karaoke"


__all__ = [
    "ANIMATIONS",
    "CAPTION_FONTS",
    "DEFAULT_PRESET",
    "POSITIONS",
    "PRESETS",
    "Animation",
    "CaptionStyle",
    "Position",
    "StyleProblem",
    "font_family",
    "validate_style",
]
