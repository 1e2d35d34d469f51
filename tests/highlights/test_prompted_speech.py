"""Prompted clipping and clip openings on real speech: espeak-ng talks transcribed by tiny.en.

The three-topic talk is about 95 s of audio; transcribing it takes a few seconds. Measured
when this was written (tiny.en garbles a few words: "Bikasani's potnet" for "Pick a sunny
spot"): with meaning, the top clip lay inside the named section for 9 of 9 prompts; with
words alone for 7 of 9 (the misses: "insomnia" and "gardening", never said in the talk).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.clip_options import ClipOptions
from core.config import Settings
from jobs.media.audio import audio_features, extract_audio
from jobs.media.highlights.local import LocalScorer
from jobs.media.highlights.select import find_highlights
from jobs.media.transcribe import transcribe
from jobs.media.types import AudioFeatures, ScoredClip, TranscriptResult
from tests.highlights.test_openings import FILLER, HOOKS
from tests.highlights.topics import PROMPTS, SECTIONS, TALK
from tests.media.fixtures_media import make_speech


@dataclass(frozen=True)
class Spoken:
    transcript: TranscriptResult
    audio: AudioFeatures
    sections: list[tuple[float, float]]  # known (onset, end) of each section's speech


async def _speak(folder: Path, sentences: tuple[str, ...], sizes: list[int]) -> Spoken:
    wav, onsets, ends = await asyncio.to_thread(make_speech, folder, sentences, silence=0.8)
    wav16 = await extract_audio(wav, folder / "talk16k.wav")
    settings = Settings(var_dir=folder / "var", whisper_model="tiny.en", whisper_device="cpu")
    transcript = await transcribe(wav16, settings=settings)
    audio = await asyncio.to_thread(audio_features, wav16)
    sections, k = [], 0
    for n in sizes:
        sections.append((onsets[k], ends[k + n - 1]))
        k += n
    return Spoken(transcript, audio, sections)


@pytest.fixture(scope="module")
async def topic_talk(tmp_path_factory: pytest.TempPathFactory) -> Spoken:
    folder = tmp_path_factory.mktemp("topic-talk")
    return await _speak(folder, TALK, [len(s) for s in SECTIONS])


@pytest.fixture(scope="module")
async def issue_talk(tmp_path_factory: pytest.TempPathFactory) -> Spoken:
    folder = tmp_path_factory.mktemp("issue-talk")
    return await _speak(folder, tuple(FILLER + HOOKS), [len(FILLER), len(HOOKS)])


def _inside(clip: ScoredClip, span: tuple[float, float], slack: float = 0.5) -> float:
    inter = min(clip.end, span[1] + slack) - max(clip.start, span[0] - slack)
    return max(0.0, inter) / (clip.end - clip.start)


async def _top(talk: Spoken, prompt: str, *, semantic: bool) -> ScoredClip:
    options = ClipOptions(min_seconds=8, max_seconds=20, count=3, prompt=prompt)
    engine = LocalScorer(prompt=prompt, semantic=semantic)
    clips = await find_highlights(
        talk.transcript, talk.audio, Settings(llm_base_url=None), engine, options=options
    )
    return clips[0]


async def test_the_prompt_names_the_section_that_comes_first(topic_talk: Spoken) -> None:
    rates: dict[bool, int] = {}
    for semantic in (True, False):
        hits = 0
        for prompt, section in PROMPTS:
            top = await _top(topic_talk, prompt, semantic=semantic)
            hits += _inside(top, topic_talk.sections[section]) >= 0.75
        rates[semantic] = hits
    print(f"prompted ranking on speech, top clip in the named section: {rates}")
    # measured 9/9 and 7/9 (module doc); a point of slack each for tiny.en's variability
    assert rates[True] >= len(PROMPTS) - 1, rates
    assert rates[False] >= len(PROMPTS) - 3, rates
    assert rates[True] >= rates[False]


async def test_the_reason_says_what_a_prompted_clip_is_about(topic_talk: Spoken) -> None:
    top = await _top(topic_talk, "Find the moments about sleep", semantic=True)
    assert top.reason.startswith("About sleep: ")
    assert {p.name for p in top.breakdown} >= {"hook", "energy", "relevance"}


async def test_the_issue_talk_opens_on_the_hook(issue_talk: Spoken) -> None:
    """Four filler sentences, then four hooks, with `clipforge process`'s defaults."""
    settings = Settings(llm_base_url=None)  # 20 to 60 s, count by length
    clips = await find_highlights(issue_talk.transcript, issue_talk.audio, settings)
    top = clips[0]
    words = issue_talk.transcript.words
    first = next(w for w in words if w.start == top.start)
    assert first.text.strip() == "Why"
    assert top.title.startswith("Why do 90")
    assert top.start >= issue_talk.sections[1][0] - 0.5  # nothing of the filler before it
