"""Run ffmpeg/ffprobe safely: argument lists, input allow-lists, time and memory limits.

Both the api (probing uploads) and the worker (cutting, rendering) call FFmpeg on files that
users supplied, so every run goes through here: no shell, inputs limited to local files or
https URLs, demuxers that can open further files (hls, concat, lavfi) refused, the address
space capped in the child and the process killed when it runs too long.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import resource
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from core.config import Settings, get_settings

TOOLS = frozenset({"ffmpeg", "ffprobe"})
LOCAL_PROTOCOLS = "file,pipe"
URL_PROTOCOLS = "https,tls,tcp,file"
LOCAL_DEV_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Demuxers a user's media may be opened with: none of them reads other files or URLs.
INPUT_FORMATS = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,mpegvideo,wav,w64,mp3,"
    "ogg,aac,flac,asf,aiff,caf,mxf,dv,h264,hevc,m4v,ass,srt,webvtt,mjpeg,image2,png_pipe,"
    "jpeg_pipe"
)
# Values allowed for -f (output formats, and input formats we open ourselves).
ALLOWED_FORMATS = frozenset(
    {"wav", "mp4", "mov", "ipod", "matroska", "webm", "null", "image2", "mjpeg", "s16le"}
    | {"f32le", "ass", "srt", "webvtt", "adts", "mp3", "ffmetadata", "rawvideo"}
)
SHELL_CHARS = frozenset(";|&$`<>\n\r*?!\x00")
URL_BAD_CHARS = frozenset(";|$`<>\n\r\t \x00\\")  # presigned URLs legitimately hold ? & =
STDERR_TAIL_BYTES = 4000


class MediaError(Exception):
    """Base of every failure running a media tool."""


class MediaToolError(MediaError):
    """The tool refused or failed on its input: permanent, retrying will not help."""

    def __init__(self, message: str, *, returncode: int | None = None, stderr_tail: str = ""):
        super().__init__(message + (f": {stderr_tail}" if stderr_tail else ""))
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class UnsafeInput(MediaToolError):
    """An argument list that could reach outside the allowed files/protocols."""


class MediaTimeout(MediaError):
    """The tool ran past its time limit and was killed (may succeed with more time)."""


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return URL_PROTOCOLS
    if parts.scheme == "http" and parts.hostname in LOCAL_DEV_HOSTS:
        return "http," + URL_PROTOCOLS
    raise UnsafeInput(f"input URL scheme not allowed: {parts.scheme or '?'}://")


def classify_input(value: str) -> tuple[str, str]:
    """Return (ffmpeg input string, protocol whitelist) or raise UnsafeInput.

    Local paths are made absolute so a name like ``concat:a|b`` or ``subfile:...`` can never
    be read as a protocol prefix by ffmpeg.
    """
    if "://" in value:
        if URL_BAD_CHARS & set(value):
            raise UnsafeInput("input URL refused: unexpected characters")
        return value, _check_url(value)
    if not value or SHELL_CHARS & set(value):
        raise UnsafeInput(f"input refused: {value!r}")
    head = value.split("/", 1)[0]
    if ":" in head:  # "concat:", "subfile:", "pipe:", "data:" ...
        raise UnsafeInput(f"input protocol not allowed: {head.split(':', 1)[0]}:")
    path = Path(value).absolute()
    return str(path), LOCAL_PROTOCOLS


def _check_output(value: str) -> None:
    if value in {"-", "pipe:1"}:
        return
    if SHELL_CHARS & set(value) or "://" in value or ":" in value.split("/", 1)[0]:
        raise UnsafeInput(f"output refused: {value!r}")


def build_argv(argv: list[str]) -> list[str]:
    """Validate a tool's argument list and add the safety options.

    Inputs must be given with ``-i`` (ffprobe accepts that too); for ffmpeg the last
    argument is the output.
    """
    if not argv or Path(argv[0]).name not in TOOLS:
        raise UnsafeInput(f"tool not allowed: {argv[:1]}")
    tool = Path(argv[0]).name
    exe = shutil.which(argv[0])
    if exe is None:
        raise MediaError(f"{tool} is not installed")
    out: list[str] = [exe, "-hide_banner"]
    if tool == "ffmpeg":
        out.append("-nostdin")
    if not {"-v", "-loglevel"} & set(argv):
        out += ["-loglevel", "error"]
    args = argv[1:]
    inputs = 0
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in {"-protocol_whitelist", "-format_whitelist", "-safe"}:
            raise UnsafeInput(f"option reserved: {arg}")
        if arg == "-f" and i + 1 < len(args) and args[i + 1] not in ALLOWED_FORMATS:
            raise UnsafeInput(f"format not allowed: {args[i + 1]}")
        if arg == "-i":
            if i + 1 >= len(args):
                raise UnsafeInput("-i without a value")
            source, protocols = classify_input(args[i + 1])
            out += ["-protocol_whitelist", protocols, "-format_whitelist", INPUT_FORMATS]
            out += ["-i", source]
            inputs += 1
            i += 2
            continue
        out.append(arg)
        i += 1
    if inputs == 0:
        raise UnsafeInput("no -i input given")
    if tool == "ffmpeg":
        _check_output(args[-1])
    return out


def _limit_memory(memory_mb: int) -> Callable[[], None]:
    limit = memory_mb * 1024 * 1024

    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


async def _read_tail(stream: asyncio.StreamReader, keep: int) -> bytes:
    chunks: collections.deque[bytes] = collections.deque()
    size = 0
    while chunk := await stream.read(65536):
        chunks.append(chunk)
        size += len(chunk)
        while size - len(chunks[0]) > keep:
            size -= len(chunks.popleft())
    return b"".join(chunks)[-keep:]


async def _read_all(stream: asyncio.StreamReader) -> bytes:
    return await stream.read()


async def run_tool(argv: list[str], *, timeout: float, memory_mb: int) -> bytes:  # noqa: ASYNC109
    """Run ffmpeg/ffprobe and return its stdout; raise a typed error on failure."""
    full = build_argv(argv)
    env = dict(os.environ, MALLOC_ARENA_MAX="2", AV_LOG_FORCE_NOCOLOR="1")
    proc = await asyncio.create_subprocess_exec(
        *full,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        preexec_fn=_limit_memory(memory_mb),
    )
    assert proc.stdout is not None and proc.stderr is not None
    reader = asyncio.gather(_read_all(proc.stdout), _read_tail(proc.stderr, STDERR_TAIL_BYTES))
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await reader
            code = await proc.wait()
    except BaseException as exc:  # timeout, cancellation: never leave the child running
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader
        if isinstance(exc, TimeoutError):
            raise MediaTimeout(
                f"{Path(argv[0]).name} exceeded {timeout:g} s and was killed"
            ) from None
        raise
    if code != 0:
        tail = stderr.decode("utf-8", "replace").strip()[-1000:]
        name = Path(argv[0]).name
        if code < 0:
            raise MediaToolError(
                f"{name} killed by signal {-code}", returncode=code, stderr_tail=tail
            )
        raise MediaToolError(f"{name} exited with {code}", returncode=code, stderr_tail=tail)
    return stdout


async def run_configured(argv: list[str], settings: Settings | None = None) -> bytes:
    """run_tool with the configured limits (ffmpeg_timeout_seconds, ffmpeg_memory_mb)."""
    s = settings or get_settings()
    return await run_tool(
        argv, timeout=float(s.ffmpeg_timeout_seconds), memory_mb=s.ffmpeg_memory_mb
    )


__all__ = [
    "MediaError",
    "MediaTimeout",
    "MediaToolError",
    "UnsafeInput",
    "build_argv",
    "classify_input",
    "run_configured",
    "run_tool",
]
