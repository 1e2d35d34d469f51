"""A caption style as plain data, its validation, and the built-in presets.

Sizes are pixels on a 1080-pixel-wide frame (the short side of every export size), so one
style looks the same in 9:16, 1:1 and 16:9.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from jobs.media.styles.fonts import find_family

Position = Literal["TOP", "MIDDLE", "BOTTOM"]
Animation = Literal["NONE", "KARAOKE", "WORD_BY_WORD", "POP"]
POSITIONS: tuple[Position, ...] = ("TOP", "MIDDLE", "BOTTOM")
ANIMATIONS: tuple[Animation, ...] = ("NONE", "KARAOKE", "WORD_BY_WORD", "POP")
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MIN_SIZE, MAX_SIZE = 16, 200
MAX_WORDS_PER_LINE = 12


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


@dataclass(frozen=True)
class StyleProblem:
    """A user-fixable problem with one field (becomes a typed payload error)."""

    field: str
    message: str


def validate_style(style: CaptionStyle) -> list[StyleProblem]:
    """Every problem with the style; empty when it can be rendered as given."""
    problems: list[StyleProblem] = []
    if not style.name.strip() or len(style.name) > 60:
        problems.append(StyleProblem("name", "Give the style a name of 1 to 60 characters."))
    if find_family(style.font) is None:
        problems.append(StyleProblem("font", f"The font {style.font!r} is not installed."))
    if not MIN_SIZE <= style.size <= MAX_SIZE:
        problems.append(StyleProblem("size", f"Size must be {MIN_SIZE} to {MAX_SIZE} pixels."))
    for field in ("text_color", "highlight_color", "outline_color"):
        if not COLOR.match(getattr(style, field)):
            problems.append(StyleProblem(field, "Colours are written #RRGGBB."))
    if style.position not in POSITIONS:
        problems.append(StyleProblem("position", "Position is TOP, MIDDLE or BOTTOM."))
    if style.animation not in ANIMATIONS:
        problems.append(
            StyleProblem("animation", "Animation is NONE, KARAOKE, WORD_BY_WORD or POP.")
        )
    if not 1 <= style.words_per_line <= MAX_WORDS_PER_LINE:
        problems.append(
            StyleProblem("words_per_line", f"Words per line must be 1 to {MAX_WORDS_PER_LINE}.")
        )
    return problems


PRESETS: dict[str, CaptionStyle] = {
    s.name: s
    for s in (
        # the default look of clips so far: bold white, the spoken word turns yellow
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
    "DEFAULT_PRESET",
    "POSITIONS",
    "PRESETS",
    "Animation",
    "CaptionStyle",
    "Position",
    "StyleProblem",
    "validate_style",
]
