"""yt-dlp's failures as import failures: a code, a sentence for the user, retry or not.

Matched on the exception class the runner reports first (geo restriction, unsupported
URL), then on the wording extractors use (private, removed, bot checks); anything unknown
is a transient RESOLVER_FAILED, so a passing site problem gets the import's retries.
"""

from __future__ import annotations

import re

from jobs.importing.errors import ImportCode, ImportFailed, ImportRefused, ImportUnavailable

_BY_CLASS = {
    "GeoRestrictedError": ImportCode.GEO_BLOCKED,
    "UnsupportedError": ImportCode.UNSUPPORTED_URL,
}

# In order: the first match wins ("Video unavailable. ... in your country" is geo-blocked).
_BY_TEXT: tuple[tuple[re.Pattern[str], ImportCode], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), code)
    for pattern, code in (
        (r"not a bot|captcha|unusual traffic|human verification", ImportCode.BOT_CHECK),
        (r"country|geo.?restrict|from your location|region", ImportCode.GEO_BLOCKED),
        (r"HTTP Error 429|too many requests|rate.?limit", ImportCode.SOURCE_HTTP_ERROR),
        (
            r"private|sign in|log ?in|login|registered users|members.only|confirm your age"
            r"|age.restricted|subscriber|premium|requires authentication",
            ImportCode.VIDEO_PRIVATE,
        ),
        (r"live event will begin|premieres? in|is live|live stream", ImportCode.LIVE_STREAM),
        (
            r"unavailable|removed|deleted|does not exist|no longer|not found|HTTP Error 404"
            r"|HTTP Error 410|terminated|copyright",
            ImportCode.VIDEO_UNAVAILABLE,
        ),
        (r"requested format is not available|no video formats", ImportCode.NO_SUITABLE_FORMAT),
        (r"unsupported url", ImportCode.UNSUPPORTED_URL),
        (
            r"timed out|connection|network|temporary failure|HTTP Error 5\d\d|unable to download",
            ImportCode.SOURCE_UNREACHABLE,
        ),
    )
)

MESSAGES = {
    ImportCode.GEO_BLOCKED: "The video is not available in the country the importer runs in.",
    ImportCode.UNSUPPORTED_URL: "No video was found at that link.",
    ImportCode.BOT_CHECK: "The site asked for a human check before showing the video; "
    "download it and upload the file instead.",
    ImportCode.SOURCE_HTTP_ERROR: "The video site is limiting requests; the import will retry.",
    ImportCode.VIDEO_PRIVATE: "The video is private or needs a sign-in.",
    ImportCode.LIVE_STREAM: "Live streams cannot be imported; try again once it has ended.",
    ImportCode.VIDEO_UNAVAILABLE: "The video is unavailable: removed, deleted or never there.",
    ImportCode.NO_SUITABLE_FORMAT: "The site offers no single-file version of the video "
    "within the size limit.",
    ImportCode.SOURCE_UNREACHABLE: "The video site could not be reached.",
    ImportCode.RESOLVER_FAILED: "The video site's page could not be read.",
}

TRANSIENT = frozenset(
    {ImportCode.SOURCE_HTTP_ERROR, ImportCode.SOURCE_UNREACHABLE, ImportCode.RESOLVER_FAILED}
)


def classify_failure(kind: str, message: str) -> ImportFailed:
    """The import failure for a yt-dlp exception class name and message."""
    code = _BY_CLASS.get(kind)
    if code is None:
        code = next((c for pattern, c in _BY_TEXT if pattern.search(message)), None)
    code = code or ImportCode.RESOLVER_FAILED
    detail = f"{kind}: {message}"[:2000]
    cls = ImportUnavailable if code in TRANSIENT else ImportRefused
    return cls(code, MESSAGES[code], detail=detail)
