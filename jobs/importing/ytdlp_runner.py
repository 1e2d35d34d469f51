"""Child process: yt-dlp resolves one link (no download) and prints one JSON object.

Run by ``jobs.importing.ytdlp`` as ``python ytdlp_runner.py --proxy URL --format SPEC -- LINK``
(an argument list, never a shell). It imports only yt-dlp and the standard library, so it
runs from its file path; the parent can kill it at its time limit. The output holds only
the fields the parent needs, or the failure's class name and message, so errors map by
type (geo restriction, unsupported URL) rather than by scraping text alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

FIELDS = (
    "_type", "url", "ext", "protocol", "http_headers", "filesize", "filesize_approx",
    "duration", "title", "is_live", "live_status", "extractor_key", "format_id",
    "webpage_url", "vcodec", "acodec",
)  # fmt: skip


class _Quiet:
    """yt-dlp's logger: say nothing (errors come back as exceptions)."""

    def debug(self, msg: str) -> None:
        pass

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        pass

    def error(self, msg: str) -> None:
        pass


def _pick(info: dict[str, Any]) -> dict[str, Any]:
    picked = {k: info.get(k) for k in FIELDS}
    entries = info.get("entries")
    if entries is not None:
        listed = [e for e in entries if e]
        picked["entries"] = [_pick(e) for e in listed[:2]]
        picked["entry_count"] = len(listed)
    picked["merged"] = bool(info.get("requested_formats"))
    return picked


def resolve(url: str, proxy: str, fmt: str, socket_timeout: float) -> dict[str, Any]:
    import yt_dlp
    from yt_dlp.utils import DownloadError

    options = {
        "proxy": proxy,
        "format": fmt,
        "noplaylist": True,
        "playlistend": 2,  # enough to tell one video from many
        "skip_download": True,
        "simulate": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "cachedir": False,
        "socket_timeout": socket_timeout,
        "extractor_retries": 1,
        "logger": _Quiet(),
    }
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(url, download=False)
            return {"info": _pick(ydl.sanitize_info(info))}
    except DownloadError as exc:
        cause = exc.exc_info[1] if exc.exc_info else None
        kind = type(cause).__name__ if cause is not None else type(exc).__name__
        return {"error": {"kind": kind, "message": str(cause or exc)}}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--format", required=True)
    parser.add_argument("--socket-timeout", type=float, default=20.0)
    parser.add_argument("url")
    args = parser.parse_args(argv)
    result = resolve(args.url, args.proxy, args.format, args.socket_timeout)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
