"""Subtitles from a transcript: SRT/VTT/JSON for the whole video, short cues per clip.

Clip cues are short (about 32 characters, 2.5 s) and break at sentence ends, the way
vertical-video captions read; the clip's ASS file is the default caption style's
(jobs.media.styles: lines of a few words, each word lighting up as it is spoken).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.caption_styles import DEFAULT_PRESET, PRESETS
from jobs.media.styles.ass_writer import caption_ass
from jobs.media.types import Segment, TranscriptResult, Word

CLIP_MAX_CHARS = 32
CLIP_MAX_SECONDS = 2.5
FULL_MAX_CHARS = 84
FULL_MAX_SECONDS = 6.0
MAX_GAP_SECONDS = 0.8  # a pause this long starts a new cue
MIN_CUE_SECONDS = 0.3
SENTENCE_END = re.compile(r"[.!?…][\"')\]]*$")

PLAY_RES = (1080, 1920)


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


# ------------------------------------------------------------------ grouping and re-timing


def clip_words(result: TranscriptResult, start: float, end: float) -> list[Word]:
    """Words whose middle lies in [start, end), re-timed to the clip (t - start, clamped)."""
    length = end - start
    out: list[Word] = []
    for w in result.words:
        if start <= (w.start + w.end) / 2 < end:
            s = min(max(0.0, w.start - start), length)
            e = min(max(s, w.end - start), length)
            out.append(
                Word(start=round(s, 3), end=round(e, 3), text=w.text, probability=w.probability)
            )
    return out


def group_cues(
    words: Sequence[Word],
    *,
    max_chars: int = CLIP_MAX_CHARS,
    max_seconds: float = CLIP_MAX_SECONDS,
    max_gap: float = MAX_GAP_SECONDS,
) -> list[Cue]:
    """Pack consecutive words into cues: a new cue after a sentence end, a long pause,
    or when the text or the time on screen would grow past its limit."""
    cues: list[list[Word]] = []
    for w in words:
        if not w.text:
            continue
        current = cues[-1] if cues else None
        if current is not None:
            last = current[-1]
            text_len = sum(len(x.text) + 1 for x in current) + len(w.text)
            if (
                SENTENCE_END.search(last.text)
                or w.start - last.end > max_gap
                or text_len > max_chars
                or w.end - current[0].start > max_seconds
            ):
                current = None
        if current is None:
            cues.append([w])
        else:
            current.append(w)
    result: list[Cue] = []
    for i, group in enumerate(cues):
        start = group[0].start
        end = max(group[-1].end, start + MIN_CUE_SECONDS)
        if i + 1 < len(cues):
            end = min(end, cues[i + 1][0].start)
        result.append(Cue(start=start, end=max(end, start + 0.01), words=tuple(group)))
    return result


# ------------------------------------------------------------------ SRT / VTT / JSON


def _clock(t: float, sep: str) -> str:
    ms = max(0, round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _srt_text(text: str) -> str:
    """SRT has no escapes, and players read `<i>` and the like as markup: spoken angle
    brackets become the look-alike guillemets, so `Q&A` stays `Q&A` and no tag appears."""
    return _one_line(text).replace("<", "\u2039").replace(">", "\u203a")


def _vtt_text(text: str) -> str:
    """WebVTT cue text: `&`, `<` and `>` as character references (so `-->` cannot occur)."""
    text = _one_line(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_srt(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{i}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{_srt_text(c.text)}\n"
        for i, c in enumerate(cues, 1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{_vtt_text(c.text)}\n" for c in cues
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def transcript_cues(result: TranscriptResult) -> list[Cue]:
    """Cues for the whole video: longer lines than clips, still split at sentences."""
    return group_cues(result.words, max_chars=FULL_MAX_CHARS, max_seconds=FULL_MAX_SECONDS)


def transcript_srt(result: TranscriptResult) -> str:
    return to_srt(transcript_cues(result))


def transcript_vtt(result: TranscriptResult) -> str:
    return to_vtt(transcript_cues(result))


def transcript_json(result: TranscriptResult) -> dict[str, Any]:
    """The transcript as plain JSON data (stored beside SRT/VTT, read back by later jobs)."""
    return {
        "language": result.language,
        "duration": result.duration,
        "text": result.text,
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "words": [
                    {"start": w.start, "end": w.end, "text": w.text, "probability": w.probability}
                    for w in s.words
                ],
            }
            for s in result.segments
        ],
    }


def transcript_from_json(data: dict[str, Any]) -> TranscriptResult:
    return TranscriptResult(
        language=str(data["language"]),
        duration=float(data["duration"]),
        segments=tuple(
            Segment(
                start=float(s["start"]),
                end=float(s["end"]),
                text=str(s["text"]),
                words=tuple(
                    Word(
                        start=float(w["start"]),
                        end=float(w["end"]),
                        text=str(w["text"]),
                        probability=float(w.get("probability", 1.0)),
                    )
                    for w in s.get("words", ())
                ),
            )
            for s in data["segments"]
        ),
    )


# ------------------------------------------------------------------ per clip


def clip_cues(result: TranscriptResult, start: float, end: float) -> list[Cue]:
    return group_cues(clip_words(result, start, end))


def clip_srt(result: TranscriptResult, start: float, end: float) -> str:
    return to_srt(clip_cues(result, start, end))


def clip_vtt(result: TranscriptResult, start: float, end: float) -> str:
    return to_vtt(clip_cues(result, start, end))


def clip_ass(
    result: TranscriptResult, start: float, end: float, *, play_res: tuple[int, int] = PLAY_RES
) -> str:
    """ASS subtitles of the clip [start, end) in the default caption style (the karaoke
    preset: each word lights up as it is spoken), the look exports burn in by default."""
    width, height = play_res
    return caption_ass(clip_words(result, start, end), PRESETS[DEFAULT_PRESET], width, height)


__all__ = [
    "Cue",
    "clip_ass",
    "clip_cues",
    "clip_srt",
    "clip_vtt",
    "clip_words",
    "group_cues",
    "to_srt",
    "to_vtt",
    "transcript_cues",
    "transcript_from_json",
    "transcript_json",
    "transcript_srt",
    "transcript_vtt",
]
