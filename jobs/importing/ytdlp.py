"""Resolve a video site's page to one downloadable file with yt-dlp, without letting it
download anything or reach an address the guard refuses.

yt-dlp runs in a child process (``ytdlp_runner.py``, an argument list, no shell, a clean
environment, killed at the time limit) with every connection it makes going through
``GuardedProxy``. It only resolves: it picks the best single-file http(s) format within
the size limit, and the caller fetches that URL itself with the guarded streaming fetch.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.netguard import NetGuard, UrlNotAllowed
from jobs.importing.errors import ImportCode, ImportRefused, ImportUnavailable
from jobs.importing.limits import ImportLimits
from jobs.importing.proxy import GuardedProxy
from jobs.importing.ytdlp_errors import classify_failure

RUNNER = Path(__file__).with_name("ytdlp_runner.py")
OUTPUT_LIMIT = 4 * 1024 * 1024
# Headers of the chosen format worth sending when fetching it (never cookies or auth).
FORWARDED_HEADERS = frozenset({"user-agent", "accept", "accept-language", "referer", "origin"})


@dataclass(frozen=True)
class ResolvedVideo:
    url: str  # the chosen format's file: fetch it with the guarded fetch
    headers: dict[str, str]
    ext: str | None
    title: str | None
    duration: float | None
    filesize: int | None
    extractor: str | None


def format_spec(limits: ImportLimits) -> str:
    """Best format with video and audio in one file, over plain http(s), within the size."""
    n = limits.max_bytes
    return f"b[protocol~='^https?$'][filesize<=?{n}][filesize_approx<=?{n}]"


def _child_env(home: str) -> dict[str, str]:
    """No proxies, no user configuration: only what Python needs to start."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
    }


async def _read_capped(stream: asyncio.StreamReader | None, cap: int) -> bytes:
    data = bytearray()
    while stream is not None:
        chunk = await stream.read(64 * 1024)
        if not chunk:
            break
        if len(data) < cap:
            data += chunk[: cap - len(data)]
    return bytes(data)


async def _run_runner(url: str, proxy: str, limits: ImportLimits) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ytdlp-") as home:
        argv = [
            sys.executable, "-I", str(RUNNER),
            "--proxy", proxy,
            "--format", format_spec(limits),
            "--socket-timeout", str(limits.read_seconds),
            "--", url,
        ]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_child_env(home),
            cwd=home,
        )
        try:
            async with asyncio.timeout(limits.resolve_seconds):
                out, err = await asyncio.gather(
                    _read_capped(proc.stdout, OUTPUT_LIMIT), _read_capped(proc.stderr, 8192)
                )
                await proc.wait()
        except TimeoutError:
            raise ImportUnavailable(
                ImportCode.RESOLVER_FAILED, "Reading the video site's page took too long."
            ) from None
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    try:
        result = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ImportUnavailable(
            ImportCode.RESOLVER_FAILED,
            "The video site's page could not be read.",
            detail=err.decode("utf-8", "replace")[-2000:],
        ) from None
    if not isinstance(result, dict):
        raise ImportUnavailable(ImportCode.RESOLVER_FAILED, "The page could not be read.")
    return result


def _single(info: dict[str, Any]) -> dict[str, Any]:
    """The one video a result stands for; a page of several is refused, not guessed."""
    if info.get("_type") in ("playlist", "multi_video"):
        entries = info.get("entries") or []
        if info.get("entry_count") != 1 or not entries:
            raise ImportRefused(
                ImportCode.PLAYLIST,
                "The link leads to several videos; give the link of one video.",
            )
        return _single(entries[0])
    return info


def _video(info: dict[str, Any], guard: NetGuard, limits: ImportLimits) -> ResolvedVideo:
    info = _single(info)
    if info.get("is_live") or info.get("live_status") in ("is_live", "is_upcoming"):
        raise ImportRefused(
            ImportCode.LIVE_STREAM, "Live streams cannot be imported; try again once it ended."
        )
    duration = info.get("duration")
    if isinstance(duration, int | float) and duration > limits.max_duration_seconds:
        hours = limits.max_duration_seconds / 3600
        raise ImportRefused(ImportCode.TOO_LONG, f"Videos can be at most {hours:g} hours long.")
    url = info.get("url")
    if not isinstance(url, str) or info.get("merged"):
        raise ImportRefused(
            ImportCode.NO_SUITABLE_FORMAT,
            "The site offers no single-file version of the video within the size limit.",
        )
    try:
        guard.check_syntax(url)  # the fetch checks again, with every connection
    except UrlNotAllowed as exc:
        raise ImportRefused(ImportCode.URL_NOT_ALLOWED, exc.message) from exc
    raw_headers = info.get("http_headers") or {}
    headers = {
        str(k): str(v) for k, v in raw_headers.items() if str(k).lower() in FORWARDED_HEADERS
    }
    size = info.get("filesize") or info.get("filesize_approx")
    return ResolvedVideo(
        url=url,
        headers=headers,
        ext=info.get("ext"),
        title=info.get("title"),
        duration=float(duration) if isinstance(duration, int | float) else None,
        filesize=int(size) if isinstance(size, int | float) else None,
        extractor=info.get("extractor_key"),
    )


async def resolve_page(url: str, *, guard: NetGuard, limits: ImportLimits) -> ResolvedVideo:
    """The file behind a video page, or an ImportFailed with a code the user can read."""
    try:
        guard.check_syntax(url)
    except UrlNotAllowed as exc:
        raise ImportRefused(ImportCode.URL_NOT_ALLOWED, exc.message) from exc
    async with GuardedProxy(
        guard, connect_seconds=limits.connect_seconds, idle_seconds=limits.read_seconds
    ) as proxy:
        result = await _run_runner(url, proxy.url, limits)
    if proxy.refusals:  # whatever yt-dlp made of it, the reason is the refused address
        raise ImportRefused(ImportCode.URL_NOT_ALLOWED, proxy.refusals[0].message)
    error = result.get("error")
    if isinstance(error, dict):
        raise classify_failure(str(error.get("kind", "")), str(error.get("message", "")))
    info = result.get("info")
    if not isinstance(info, dict):
        raise ImportUnavailable(ImportCode.RESOLVER_FAILED, "The page could not be read.")
    return _video(info, guard, limits)
