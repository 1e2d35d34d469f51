"""Object key rules shared by every backend, so a key valid on one is valid on all.

The local backend maps keys to paths, so anything that could escape its root is refused
everywhere (and S3 gets the same keys, which keeps behaviour identical across backends).
"""

from __future__ import annotations

import re

from core.storage.base import InvalidKey

MAX_KEY_BYTES = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Every rule below in one compiled match (keys are checked for each URL signed): segments
# of allowed characters, none empty, "." or "..", no leading "/".
_SEGMENT = r"(?!\.\.?(?:/|$))[^/\\\x00-\x1f\x7f]+"
_VALID = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


def check_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe relative '/'-separated key, else raise."""
    if isinstance(key, str) and _VALID.fullmatch(key) and _short(key):
        return key
    return _explain(key)


def _short(key: str) -> bool:
    # A character is at most 4 UTF-8 bytes: most keys need no encoding to be measured.
    return len(key) <= MAX_KEY_BYTES // 4 or len(key.encode("utf-8", "surrogatepass")) <= (
        MAX_KEY_BYTES
    )


def _explain(key: str) -> str:
    """The slow path: which rule a refused key breaks."""
    if not isinstance(key, str) or not key:
        raise InvalidKey("empty key")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidKey("key too long")
    if _CONTROL.search(key):
        raise InvalidKey("control character in key")
    if "\\" in key:
        raise InvalidKey("backslash in key")
    if key.startswith("/"):
        raise InvalidKey("absolute key")
    for part in key.split("/"):
        if part in ("", ".", ".."):
            raise InvalidKey("empty, '.' or '..' segment in key")
    raise InvalidKey("invalid key")  # unreachable while _VALID and the rules above agree


def check_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key-like string that may end with '/'."""
    if prefix == "":
        return prefix
    check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def upload_prefix(upload_id: object) -> str:
    """Every object of an upload lives under this prefix, so deleting it removes them all."""
    return f"uploads/{upload_id}/"
