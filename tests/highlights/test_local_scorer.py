from __future__ import annotations

from jobs.media.highlights.candidates import build_candidates
from jobs.media.highlights.local import WEIGHTS, LocalScorer
from jobs.media.highlights.signals import AudioProfile
from jobs.media.highlights.titles import title_from_words
from jobs.media.types import AudioFeatures, Candidate, ScoredClip
from tests.highlights.synth import flat_audio, transcript

HOOK = [
    "Why do 90 percent of startups fail in their first year?",
    "It is not the money, and it is not the market.",
    "We studied four hundred companies over ten years with Stanford.",
    "The founders who survived shipped something every single week.",
    "Speed beats polish, every time, and the data proves it.",
]
FILLER = [
    "and um so like we were you know kind of just there.",
    "It was um basically sort of okay I guess, like, you know.",
    "uh we kind of did some stuff and then um it was like fine.",
    "so yeah that was uh basically it I mean sort of, you know.",
    "and then like um we went back and uh it was whatever.",
]


def _one(sentences: list[str]) -> Candidate:
    tr = transcript(sentences)
    return Candidate(tr.words[0].start, tr.words[-1].end, tuple(tr.words))


async def _score(cands: list[Candidate], audio: AudioFeatures | None = None) -> list[ScoredClip]:
    tr = transcript(HOOK)
    return await LocalScorer().score(tr, audio or AudioFeatures(), cands)


def test_weights_documented_and_sum_to_100() -> None:
    assert sum(WEIGHTS.values()) == 100
    assert set(WEIGHTS) == {"hook", "start", "ending", "rate", "filler", "energy", "bursts"}


async def test_hook_outranks_filler() -> None:
    hook, filler = await _score([_one(HOOK), _one(FILLER)])
    assert 0 <= filler.score < hook.score <= 100
    assert hook.score - filler.score > 30
    assert hook.signals["question"] == 1 and hook.signals["number"] == 1
    assert filler.signals["filler"] < 0.2 and filler.signals["start"] == 0
    assert "question" in hook.reason and "number" in hook.reason
    assert hook.reason.endswith(".") and hook.reason.count(".") == 1


async def test_each_hook_kind_beats_a_plain_opening() -> None:
    plain = "We spent the morning walking through the market near the river."
    rest = ["The stalls sold bread, cheese and flowers.", "Then we went back to the hotel."] * 2
    openings = {
        "question": "What would you do with one free afternoon in a new city?",
        "number": "We spent 3 hours walking through the market near the river.",
        "claim": "This was the best morning we ever had in any market at all.",
        "entity": "We spent the morning walking through Lisbon near the Tagus.",
    }
    base = (await _score([_one([plain, *rest])]))[0]
    assert base.signals["hook"] == 0
    for kind, opening in openings.items():
        got = (await _score([_one([opening, *rest])]))[0]
        assert got.signals[kind] == 1, kind
        assert got.score > base.score, kind


async def test_dangling_start_and_open_ending_are_penalised() -> None:
    body = ["The plan worked because we tested it on real users first.", "It took two weeks."]
    clean = (await _score([_one(body)]))[0]
    dangling = (await _score([_one(["And " + body[0].lower(), body[1]])]))[0]
    cut_off = (await _score([_one([body[0], "It took two weeks and"])]))[0]
    assert dangling.signals["start"] == 0 and clean.signals["start"] == 1
    assert cut_off.signals["ending"] == 0 and clean.signals["ending"] == 1
    assert clean.score > dangling.score and clean.score > cut_off.score


async def test_speech_rate_band() -> None:
    slow = transcript(HOOK, wps=1.1)
    good = transcript(HOOK, wps=2.8)
    fast = transcript(HOOK, wps=5.5)
    scores = {}
    for name, tr in {"slow": slow, "good": good, "fast": fast}.items():
        c = Candidate(tr.words[0].start, tr.words[-1].end, tuple(tr.words))
        scores[name] = (await LocalScorer().score(tr, AudioFeatures(), [c]))[0].signals["rate"]
    assert scores["good"] == 1 and scores["slow"] < 0.3 and scores["fast"] < 0.3


async def test_audio_energy_and_bursts() -> None:
    tr = transcript(HOOK * 10)
    cands = build_candidates(tr, min_seconds=20, max_seconds=30)
    loud = [-24.0] * (int(tr.duration) + 1)
    # a lively stretch from 90 to 135 s with applause-like peaks
    for s in range(90, 136):
        loud[s] = -16.0 + (3.0 if s % 2 else -3.0)
    for s in range(92, 136, 6):
        loud[s] = -4.0
    scored = await LocalScorer().score(tr, AudioFeatures(tuple(loud)), cands)
    inside = [s for s in scored if s.start >= 90 and s.end <= 136]
    outside = [s for s in scored if s.end < 85 or s.start > 140]
    assert inside and outside
    assert min(s.signals["energy"] for s in inside) > max(s.signals["energy"] for s in outside)
    assert max(s.signals["bursts"] for s in inside) == 1.0
    assert max(s.signals["bursts"] for s in outside) == 0.0
    best = max(scored, key=lambda s: s.score)
    assert best.start < 130 and best.end > 100  # the lively stretch wins
    assert "audience-reaction" in best.reason


def test_detected_peaks_count_as_bursts() -> None:
    loud = [-22.0] * 60
    loud[30] = loud[41] = -12.0  # loud for this file
    loud[50] = -21.0  # a "peak" after silence that is not loud: no reaction
    prof = AudioProfile(AudioFeatures(tuple(loud), peaks=(30.0, 41.0, 50.0)))
    assert prof.bursts(25, 45) == 1.0
    assert prof.bursts(45, 59) == 0.0
    assert prof.bursts(30, 40) == 0.0  # a peak in the first second is speech resuming


def test_audio_profile_tolerates_silence_and_infinities() -> None:
    prof = AudioProfile(AudioFeatures((float("-inf"), -20.0, -20.0, float("nan"), -21.0)))
    assert prof.available and 0 <= prof.energy(0, 5) <= 1
    assert AudioProfile(AudioFeatures()).available is False


async def test_without_audio_weights_renormalise() -> None:
    c = _one(HOOK)
    no_audio = (await _score([c]))[0]
    flat = (await _score([c], flat_audio(40)))[0]
    assert "energy" not in no_audio.signals and "energy" in flat.signals
    assert 0 < no_audio.score <= 100


def test_title_comes_from_the_clip_words() -> None:
    tr = transcript(["So, um, here is the thing nobody tells you about hiring.", "More text."])
    assert title_from_words(tr.words) == "Here is the thing nobody tells you about hiring"
    tr = transcript(["Yeah.", "What is the one habit that changed your career completely and why?"])
    assert (
        title_from_words(tr.words)
        == "What is the one habit that changed your career completely and why?"
    )
    long = transcript([" ".join(["word"] * 40) + "."])
    t = title_from_words(long.words)
    assert len(t) <= 70 and t.endswith("…")


async def test_different_clips_get_different_titles_and_reasons() -> None:
    a, b = await _score([_one(HOOK), _one(FILLER)])
    assert a.title != b.title and a.reason != b.reason
    assert a.title.startswith("Why do 90 percent")
