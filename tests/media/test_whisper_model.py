"""Model resolution: packaged tiny.en, base joined from two packages, paths, pass-through."""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.config import Settings
from jobs.media.whisper_model import (
    BASE_SHA256,
    BASE_SIZE,
    assemble_base,
    load_model,
    resolve_model,
)


def test_tiny_en_comes_from_its_package(tmp_path: Path) -> None:
    path = Path(resolve_model("tiny.en", tmp_path))
    assert (path / "model.bin").is_file() and (path / "tokenizer.json").is_file()


def test_base_is_joined_once_and_verified(tmp_path: Path) -> None:
    path = Path(resolve_model("base", tmp_path))
    assert path == tmp_path / "models" / "whisper-base"
    model = path / "model.bin"
    assert model.stat().st_size == BASE_SIZE
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert digest == BASE_SHA256
    assert {p.name for p in path.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    }
    assert [p.name for p in path.parent.iterdir()] == ["whisper-base"]  # no staging left
    inode = model.stat().st_ino
    assert assemble_base(path) == path and model.stat().st_ino == inode  # not rebuilt


def test_truncated_base_is_rebuilt(tmp_path: Path) -> None:
    target = tmp_path / "whisper-base"
    target.mkdir()
    (target / "model.bin").write_bytes(b"half a model")
    assemble_base(target)
    assert (target / "model.bin").stat().st_size == BASE_SIZE


def test_paths_and_other_names(tmp_path: Path) -> None:
    assert resolve_model(str(tmp_path), tmp_path / "var") == str(tmp_path)
    assert resolve_model("large-v3", tmp_path) == "large-v3"


def test_model_is_loaded_once_per_process(media_settings: Settings) -> None:
    first = load_model(media_settings)
    assert load_model(media_settings.model_copy()) is first
