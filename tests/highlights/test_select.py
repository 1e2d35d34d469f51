from __future__ import annotations

from core.config import Settings
from jobs.media.highlights.llm import LLMRanker
from jobs.media.highlights.local import LocalScorer
from jobs.media.highlights.select import find_highlights, pick_engine, select_top, target_count
from jobs.media.types import AudioFeatures, ScoredClip
from tests.highlights.synth import NEUTRAL, transcript
from tests.highlights.test_local_scorer import HOOK


def _clip(start: float, end: float, score: float) -> ScoredClip:
    return ScoredClip(start, end, score, f"t{start}", "r")


def test_select_top_drops_overlaps_and_sorts() -> None:
    clips = [
        _clip(0, 30, 50),
        _clip(20, 50, 90),  # best; overlaps the first and the third
        _clip(45, 70, 80),
        _clip(50, 80, 70),  # touches the best at 50: allowed
        _clip(100, 130, 60),
    ]
    got = select_top(clips, 3)
    assert [c.score for c in got] == [90, 70, 60]
    for a in got:
        for b in got:
            if a is not b:
                assert a.end <= b.start or b.end <= a.start
    assert len(select_top(clips, 10)) == 3  # greedy: 0-30 and 45-70 overlap a better one
    assert select_top([], 3) == []


def test_target_count() -> None:
    assert target_count(4, 10_000) == 4
    assert target_count(0, 30) == 1
    assert target_count(0, 600) == 4
    assert target_count(0, 3 * 3600) == 20


def test_pick_engine() -> None:
    assert isinstance(pick_engine(Settings(llm_base_url=None)), LocalScorer)
    eng = pick_engine(Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m"))
    assert isinstance(eng, LLMRanker) and eng.model == "m"


async def test_find_highlights_end_to_end_local() -> None:
    body = NEUTRAL * 5 + HOOK + NEUTRAL * 5
    tr = transcript(body)
    settings = Settings(llm_base_url=None, clip_count=3, clip_min_seconds=15, clip_max_seconds=40)
    clips = await find_highlights(tr, AudioFeatures(), settings)
    assert len(clips) == 3
    starts = {w.start for w in tr.words}
    ends = {w.end for w in tr.words}
    assert all(c.start in starts and c.end in ends and 15 <= c.end - c.start <= 40 for c in clips)
    assert clips == sorted(clips, key=lambda c: -c.score)
    hook_start = next(w.start for w in tr.words if w.text.strip() == "Why")
    assert clips[0].start == hook_start
