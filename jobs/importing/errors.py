"""How an import fails: a code the upload records, a sentence the user reads, and whether
trying again later could help (TransientError) or not (PermanentError).

Nothing is charged before an import succeeds, so no failure here needs a refund.
"""

from __future__ import annotations

from enum import StrEnum

from jobs.errors import PermanentError, StageError, TransientError


class ImportCode(StrEnum):
    URL_NOT_ALLOWED = "URL_NOT_ALLOWED"  # scheme, credentials, or a refused address/redirect
    HOST_NOT_FOUND = "HOST_NOT_FOUND"
    SOURCE_UNREACHABLE = "SOURCE_UNREACHABLE"  # connection refused, reset, timed out
    SOURCE_HTTP_ERROR = "SOURCE_HTTP_ERROR"  # the server answered an error status
    TOO_MANY_REDIRECTS = "TOO_MANY_REDIRECTS"
    CONNECTION_BROKEN = "CONNECTION_BROKEN"  # the transfer broke and could not be resumed
    IMPORT_TIMEOUT = "IMPORT_TIMEOUT"  # the whole transfer took longer than allowed
    TOO_LARGE = "TOO_LARGE"
    TOO_LONG = "TOO_LONG"
    INVALID_MEDIA = "INVALID_MEDIA"
    NO_AUDIO_TRACK = "NO_AUDIO_TRACK"
    PROBE_FAILED = "PROBE_FAILED"  # ffprobe could not run just now
    VIDEO_PRIVATE = "VIDEO_PRIVATE"
    VIDEO_UNAVAILABLE = "VIDEO_UNAVAILABLE"  # removed, deleted, never existed
    GEO_BLOCKED = "GEO_BLOCKED"
    BOT_CHECK = "BOT_CHECK"  # the site wants a sign-in or a human
    UNSUPPORTED_URL = "UNSUPPORTED_URL"  # no video found at the link
    NO_SUITABLE_FORMAT = "NO_SUITABLE_FORMAT"  # no single-file format within the limits
    LIVE_STREAM = "LIVE_STREAM"
    PLAYLIST = "PLAYLIST"
    RESOLVER_FAILED = "RESOLVER_FAILED"  # yt-dlp itself failed or ran out of time


class ImportFailed(StageError):
    """Base of import failures: ``code`` and ``user_message`` go on the upload."""

    retryable = False

    def __init__(self, code: ImportCode, user_message: str, *, detail: str | None = None):
        super().__init__(user_message, detail=detail)
        self.code = code


class ImportRefused(ImportFailed, PermanentError):
    """The link or what it holds can never be imported: fail the upload at once."""


class ImportUnavailable(ImportFailed, TransientError):
    """The source is unreachable, slow or broken now: retry per the import retry table."""

    retryable = True
