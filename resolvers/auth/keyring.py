"""The JWT key ring: several HMAC keys with a `kid`; the newest young key signs, older keys
verify until they retire.

Stored as JSON in `settings.jwt_keys_file` (default `var_dir/jwt_keys.json`), written
atomically with mode 0600 under a lock file, re-read whenever the file changes, so a rotation
by the CLI (or a new secret mounted in production) reaches a running api without a restart.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.config import get_settings

SECRET_BYTES = 64  # HS512: a key as long as the hash block


class KeyRingError(RuntimeError):
    """No key may sign and the ring cannot be rotated (read-only file in production)."""


@dataclass(frozen=True)
class JwtKey:
    kid: str
    secret: bytes
    created_at: datetime
    retired_at: datetime | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "kid": self.kid,
            "secret": base64.urlsafe_b64encode(self.secret).decode(),
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }

    @classmethod
    def from_json(cls, raw: dict[str, str | None]) -> JwtKey:
        retired = raw.get("retired_at")
        return cls(
            kid=str(raw["kid"]),
            secret=base64.urlsafe_b64decode(str(raw["secret"])),
            created_at=datetime.fromisoformat(str(raw["created_at"])),
            retired_at=datetime.fromisoformat(retired) if retired else None,
        )


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[JwtKey, ...]
    max_age: timedelta
    retire_after: timedelta

    def can_verify(self, key: JwtKey, now: datetime) -> bool:
        return key.retired_at is None and now - key.created_at < self.retire_after

    def can_sign(self, key: JwtKey, now: datetime) -> bool:
        return self.can_verify(key, now) and now - key.created_at < self.max_age

    def signer(self, now: datetime) -> JwtKey | None:
        """The newest key young enough to sign."""
        usable = [k for k in self.keys if self.can_sign(k, now)]
        return max(usable, key=lambda k: k.created_at) if usable else None

    def verifier(self, kid: str, now: datetime) -> JwtKey | None:
        for key in self.keys:
            if key.kid == kid:
                return key if self.can_verify(key, now) else None
        return None

    def status(self, key: JwtKey, now: datetime) -> str:
        if self.can_sign(key, now):
            return "signing" if key == self.signer(now) else "verifying"
        return "verifying" if self.can_verify(key, now) else "retired"


def utcnow() -> datetime:
    return datetime.now(UTC)


def keys_path() -> Path:
    settings = get_settings()
    return settings.jwt_keys_file or settings.var_dir / "jwt_keys.json"


def new_key(now: datetime) -> JwtKey:
    kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
    return JwtKey(kid=kid, secret=secrets.token_bytes(SECRET_BYTES), created_at=now)


_cache: dict[Path, tuple[tuple[int, int], tuple[JwtKey, ...]]] = {}


def _read(path: Path) -> tuple[JwtKey, ...]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    data = json.loads(path.read_text())
    keys = tuple(JwtKey.from_json(k) for k in data.get("keys", []))
    _cache[path] = (stamp, keys)
    return keys


def _write(path: Path, keys: tuple[JwtKey, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"keys": [k.to_json() for k in keys]}, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".jwt_keys.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(body)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _cache.pop(path, None)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialises writers (several api processes, the CLI) on one host."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_ring(path: Path | None = None) -> KeyRing:
    settings = get_settings()
    return KeyRing(
        keys=_read(path or keys_path()),
        max_age=timedelta(days=settings.jwt_key_max_age_days),
        retire_after=timedelta(days=settings.jwt_key_retire_days),
    )


def save_keys(keys: list[JwtKey], path: Path | None = None) -> None:
    """Replace the ring's keys (tests and tools that import a ring)."""
    path = path or keys_path()
    with _locked(path):
        _write(path, tuple(keys))


def _add_key(path: Path, now: datetime, *, only_if_needed: bool) -> JwtKey:
    with _locked(path):
        ring = load_ring(path)
        if only_if_needed and (current := ring.signer(now)) is not None:
            return current  # another process rotated meanwhile
        key = new_key(now)
        _write(path, (*(k for k in ring.keys if ring.can_verify(k, now)), key))
        return key


def rotate(path: Path | None = None, now: datetime | None = None) -> JwtKey:
    """Add a new signing key and drop keys that can no longer verify anything."""
    return _add_key(path or keys_path(), now or utcnow(), only_if_needed=False)


def retire(kid: str, path: Path | None = None, now: datetime | None = None) -> bool:
    """Stop a key verifying at once (a leaked key). False when no such key exists."""
    path, now = path or keys_path(), now or utcnow()
    with _locked(path):
        keys = _read(path)
        if not any(k.kid == kid for k in keys):
            return False
        _write(
            path,
            tuple(JwtKey(k.kid, k.secret, k.created_at, now) if k.kid == kid else k for k in keys),
        )
    return True


def signing_key(now: datetime | None = None) -> JwtKey:
    """The key to sign with. When none may sign (first start, or the newest key aged out),
    a new one is added if the file is writable; a read-only ring must be rotated by the
    operator (`clipforge keys rotate`)."""
    path, now = keys_path(), now or utcnow()
    key = load_ring(path).signer(now)
    if key is not None:
        return key
    try:
        return _add_key(path, now, only_if_needed=True)
    except OSError as exc:
        raise KeyRingError(f"no JWT key may sign and {path} cannot be rotated: {exc}") from exc
