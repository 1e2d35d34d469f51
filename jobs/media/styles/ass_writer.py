"""ASS subtitles from a clip's words in a caption style, plus an optional title box.

Each animation is a pattern of events over lines of `words_per_line` words:
- NONE: one event per line, plain text.
- KARAOKE: one event per line; ``\\k`` tags turn each word to the highlight colour at its
  start (libass sweeps the secondary colour to the primary one).
- WORD_BY_WORD: one event per word, from its start to the next word's start, showing the
  line with that word in the highlight colour.
- POP: one event per word showing the line up to that word, the newest word growing from
  130 % to full size in 120 ms.
Times are written in centiseconds (ASS's resolution), well inside one frame.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pysubs2

from core.caption_styles import CaptionStyle
from jobs.media.types import Word

REFERENCE_WIDTH = 1080
MAX_GAP_S = 0.8  # a pause this long starts a new line
LINGER_S = 0.4  # a line stays this long after its last word (unless the next one starts)
SENTENCE_END = re.compile(r"[.!?…][\"')\]]*$")
TITLE_SECONDS = 3.0
TITLE_BOX = "#101010"
ALIGN = {
    "TOP": pysubs2.Alignment.TOP_CENTER,
    "MIDDLE": pysubs2.Alignment.MIDDLE_CENTER,
    "BOTTOM": pysubs2.Alignment.BOTTOM_CENTER,
}


@dataclass(frozen=True)
class Line:
    start: float
    end: float
    words: tuple[Word, ...]


def color(hex_rgb: str, alpha: int = 0) -> pysubs2.Color:
    v = hex_rgb.lstrip("#")
    return pysubs2.Color(int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16), alpha)


def inline_color(hex_rgb: str) -> str:
    """An override tag's colour: ASS writes blue, green, red."""
    v = hex_rgb.lstrip("#").upper()
    return f"&H{v[4:6]}{v[2:4]}{v[0:2]}&"


def escape(text: str) -> str:
    """Text that cannot open an override block or an escape in ASS."""
    return text.replace("\\", "/").replace("{", "(").replace("}", ")").replace("\n", " ")


def group_lines(words: Sequence[Word], per_line: int) -> list[Line]:
    """Consecutive words in lines of at most per_line words, broken at sentence ends and
    long pauses; a line ends shortly after its last word or when the next one begins."""
    groups: list[list[Word]] = []
    for w in words:
        if not w.text.strip():
            continue
        last = groups[-1] if groups else None
        if (
            last is None
            or len(last) >= per_line
            or SENTENCE_END.search(last[-1].text)
            or w.start - last[-1].end > MAX_GAP_S
        ):
            groups.append([w])
        else:
            last.append(w)
    lines: list[Line] = []
    for i, g in enumerate(groups):
        end = g[-1].end + LINGER_S
        if i + 1 < len(groups):
            end = min(end, groups[i + 1][0].start)
        lines.append(Line(g[0].start, max(end, g[-1].end), tuple(g)))
    return lines


def _cs(t: float) -> int:
    return max(0, round(t * 100))


def _word_text(w: Word, style: CaptionStyle) -> str:
    text = escape(w.text.strip())
    return text.upper() if style.uppercase else text


def _events(line: Line, style: CaptionStyle) -> list[tuple[float, float, str]]:
    """(start, end, text) events of one line in the style's animation."""
    words = [_word_text(w, style) for w in line.words]
    hl = inline_color(style.highlight_color)
    if style.animation == "NONE":
        return [(line.start, line.end, " ".join(words))]
    if style.animation == "KARAOKE":
        marks = [_cs(w.start) - _cs(line.start) for w in line.words]
        marks.append(max(_cs(line.end) - _cs(line.start), marks[-1]))
        parts = [f"{{\\k{marks[i + 1] - marks[i]}}}{t}" for i, t in enumerate(words)]
        return [(line.start, line.end, " ".join(parts))]
    events: list[tuple[float, float, str]] = []
    for i, w in enumerate(line.words):
        end = line.words[i + 1].start if i + 1 < len(line.words) else line.end
        if style.animation == "WORD_BY_WORD":
            shown = [f"{{\\c{hl}}}{t}{{\\r}}" if j == i else t for j, t in enumerate(words)]
        else:  # POP
            pop = f"{{\\c{hl}\\fscx130\\fscy130\\t(0,120,\\fscx100\\fscy100)}}"
            shown = words[:i] + [f"{pop}{words[i]}{{\\r}}"]
        events.append((w.start, max(end, w.start + 0.01), " ".join(shown)))
    return events


def caption_ass(
    words: Sequence[Word],
    style: CaptionStyle,
    width: int,
    height: int,
    *,
    title: str | None = None,
    title_seconds: float = TITLE_SECONDS,
) -> str:
    """The ASS document for a frame of width x height (words in output time)."""
    unit = min(width, height) / REFERENCE_WIDTH
    doc = pysubs2.SSAFile()
    doc.info.update(
        {
            "PlayResX": str(width),
            "PlayResY": str(height),
            "ScaledBorderAndShadow": "yes",
            "WrapStyle": "0",
        }
    )
    margin_v = {"TOP": 0.12, "MIDDLE": 0.0, "BOTTOM": 0.16}[style.position]
    karaoke = style.animation == "KARAOKE"
    doc.styles["Caption"] = pysubs2.SSAStyle(
        fontname=style.font,
        fontsize=round(style.size * unit),
        bold=style.bold,
        # karaoke: words reached take the primary colour, words to come the secondary one
        primarycolor=color(style.highlight_color if karaoke else style.text_color),
        secondarycolor=color(style.text_color),
        outlinecolor=color(style.outline_color),
        backcolor=pysubs2.Color(0, 0, 0, 128),
        outline=round(max(1.0, style.size / 14) * unit, 1),
        shadow=0,
        alignment=ALIGN[style.position],
        marginl=round(60 * unit),
        marginr=round(60 * unit),
        marginv=round(height * margin_v),
    )
    for line in group_lines(words, style.words_per_line):
        for start, end, text in _events(line, style):
            doc.events.append(
                pysubs2.SSAEvent(
                    start=_cs(start) * 10, end=_cs(end) * 10, text=text, style="Caption"
                )
            )
    if title and title.strip():
        doc.styles["Title"] = pysubs2.SSAStyle(
            fontname=style.font,
            fontsize=round(64 * unit),
            bold=True,
            primarycolor=color("#FFFFFF"),
            outlinecolor=color(TITLE_BOX, 40),  # the box (opaque box style below)
            backcolor=color(TITLE_BOX, 40),
            borderstyle=3,
            outline=round(18 * unit, 1),
            shadow=0,
            # at the top, unless the captions are there
            alignment=ALIGN["BOTTOM" if style.position == "TOP" else "TOP"],
            marginl=round(90 * unit),
            marginr=round(90 * unit),
            marginv=round(height * 0.07),
        )
        doc.events.append(
            pysubs2.SSAEvent(
                start=0,
                end=round(title_seconds * 1000),
                text="{\\fad(150,300)}" + escape(title.strip()),
                style="Title",
            )
        )
    return doc.to_string("ass")


__all__ = ["Line", "caption_ass", "group_lines", "inline_color"]
