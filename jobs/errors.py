"""How a stage says what went wrong: transient problems retry, permanent ones fail at once."""

from __future__ import annotations


class StageError(Exception):
    """Base: `user_message` is what the creator reads on a FAILED upload."""

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message


class TransientError(StageError):
    """Storage/network/timeouts of external calls: retried per the retry table."""


class PermanentError(StageError):
    """Invalid media and the like: failed at once, no retries burned."""
