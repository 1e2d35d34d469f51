"""Clip options: validation that names the field, defaults from the settings, JSON round trip."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from core.clip_options import WHISPER_LANGUAGES, ClipOptions, InvalidClipOptions
from core.config import Settings

SETTINGS = Settings(clip_min_seconds=20, clip_max_seconds=60, clip_count=0)


def _problems(**given: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidClipOptions) as exc:
        ClipOptions.from_input(SETTINGS, **given)
    err = exc.value
    assert (err.code, err.field) == (err.problems[0].code, err.problems[0].field)
    assert all(p.message for p in err.problems)
    return [(p.field, p.code) for p in err.problems]


def test_defaults_come_from_the_settings() -> None:
    got = ClipOptions.from_input(SETTINGS)
    assert got == ClipOptions(min_seconds=20, max_seconds=60, count=None, prompt=None)
    counted = ClipOptions.defaults(Settings(clip_min_seconds=8, clip_max_seconds=30, clip_count=4))
    assert (counted.min_seconds, counted.max_seconds, counted.count) == (8, 30, 4)


def test_valid_input_is_completed_and_normalised() -> None:
    got = ClipOptions.from_input(
        SETTINGS,
        max_seconds=90,
        count=5,
        prompt="  find   the moments\nabout pricing ",
        language="DE",
    )
    assert got == ClipOptions(20, 90, 5, "find the moments about pricing", "de")
    edges = ClipOptions.from_input(SETTINGS, min_seconds=5, max_seconds=180, count=30)
    assert (edges.min_seconds, edges.max_seconds, edges.count) == (5, 180, 30)
    assert ClipOptions.from_input(SETTINGS, prompt="   ", language="auto").prompt is None
    assert ClipOptions.from_input(SETTINGS, language="").language is None
    assert ClipOptions.from_input(SETTINGS, prompt="x" * 500).prompt == "x" * 500


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"min_seconds": 4.9}, [("minSeconds", "INVALID_CLIP_LENGTH")]),
        ({"max_seconds": 181}, [("maxSeconds", "INVALID_CLIP_LENGTH")]),
        ({"min_seconds": float("nan")}, [("minSeconds", "INVALID_CLIP_LENGTH")]),
        ({"min_seconds": 30, "max_seconds": 30}, [("minSeconds", "INVALID_CLIP_LENGTH")]),
        ({"min_seconds": 70}, [("minSeconds", "INVALID_CLIP_LENGTH")]),  # above the default max
        ({"max_seconds": 10}, [("maxSeconds", "INVALID_CLIP_LENGTH")]),  # below the default min
        ({"count": 0}, [("count", "INVALID_CLIP_COUNT")]),
        ({"count": 31}, [("count", "INVALID_CLIP_COUNT")]),
        ({"prompt": "x" * 501}, [("prompt", "PROMPT_TOO_LONG")]),
        ({"language": "klingon"}, [("language", "UNSUPPORTED_LANGUAGE")]),
        (
            {"min_seconds": 2, "count": 99, "language": "xx"},
            [
                ("minSeconds", "INVALID_CLIP_LENGTH"),
                ("count", "INVALID_CLIP_COUNT"),
                ("language", "UNSUPPORTED_LANGUAGE"),
            ],
        ),
    ],
)
def test_bad_values_name_their_field(
    given: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert _problems(**given) == expected


def test_field_prefix_for_nested_inputs() -> None:
    with pytest.raises(InvalidClipOptions) as exc:
        ClipOptions.from_input(SETTINGS, count=50, field_prefix="options.")
    assert exc.value.field == "options.count"


def test_json_round_trip_and_older_rows() -> None:
    opts = ClipOptions.from_input(SETTINGS, min_seconds=10, max_seconds=30, prompt="hiring")
    assert ClipOptions.from_json(opts.to_json(), SETTINGS) == opts
    assert opts.to_json() == {
        "minSeconds": 10.0,
        "maxSeconds": 30.0,
        "count": None,
        "prompt": "hiring",
        "language": None,
    }
    assert ClipOptions.from_json(None, SETTINGS) == ClipOptions.defaults(SETTINGS)
    assert ClipOptions.from_json({"count": 3}, SETTINGS).count == 3


def test_languages_are_faster_whispers_own() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    assert frozenset(_LANGUAGE_CODES) == WHISPER_LANGUAGES


def test_the_api_can_import_options_without_media_code() -> None:
    code = (
        "import sys, core.clip_options; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('jobs', 'faster_whisper', 'ctranslate2', 'onnxruntime')); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
