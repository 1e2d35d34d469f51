"""The safety wrapper around ffmpeg/ffprobe: refused inputs, limits, typed errors."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from core.ffmpeg_exec import (
    MediaTimeout,
    MediaToolError,
    UnsafeInput,
    build_argv,
    classify_input,
    run_tool,
)


@pytest.mark.parametrize(
    "source",
    [
        "video.mp4; rm -rf /",
        "$(touch /tmp/pwned).mp4",
        "`id`.mp4",
        "a.mp4 | cat",
        "concat:a.mp4|b.mp4",
        "subfile:,start,0,end,0,:/etc/passwd",
        "pipe:0",
        "data:video/mp4;base64,AAAA",
        "file:/etc/passwd",
        "ftp://example.com/a.mp4",
        "rtmp://example.com/live",
        "http://example.com/a.mp4",
        "gopher://127.0.0.1/",
        "",
    ],
)
async def test_refuses_shell_style_and_disallowed_protocols(source: str) -> None:
    with pytest.raises(UnsafeInput):
        await run_tool(["ffprobe", "-i", source], timeout=10, memory_mb=512)


def test_allows_local_files_and_https_with_limited_protocols(tmp_path: Path) -> None:
    path, protocols = classify_input("relative/clip.mp4")
    assert Path(path).is_absolute() and protocols == "file,pipe"
    assert classify_input("https://bucket.example/a.mp4?X-Sig=1")[1] == "https,tls,tcp,file"
    local = classify_input("http://127.0.0.1:8000/storage/a.mp4")[1]
    assert local.split(",")[0] == "http"
    argv = build_argv(["ffmpeg", "-i", str(tmp_path / "in.mp4"), str(tmp_path / "out.wav")])
    assert argv[1:3] == ["-hide_banner", "-nostdin"]
    at = argv.index("-protocol_whitelist")
    assert argv[at + 1] == "file,pipe" and argv[at + 2] == "-format_whitelist"
    assert "hls" not in argv[at + 3].split(",") and "concat" not in argv[at + 3].split(",")


@pytest.mark.parametrize(
    "argv",
    [
        ["sh", "-c", "ffmpeg"],
        ["ffmpeg", "-f", "lavfi", "-i", "movie=/etc/passwd", "out.mp4"],
        ["ffmpeg", "-f", "concat", "-i", "list.txt", "out.mp4"],
        ["ffmpeg", "-protocol_whitelist", "file,http", "-i", "a.mp4", "out.mp4"],
        ["ffmpeg", "-i", "a.mp4", "rtmp://example.com/live"],
        ["ffmpeg", "-i", "a.mp4", "tee:x.mp4|y.mp4"],
        ["ffmpeg", "out.mp4"],
    ],
)
def test_refuses_unsafe_argument_lists(argv: list[str]) -> None:
    with pytest.raises(UnsafeInput):
        build_argv(argv)


async def test_hls_playlist_cannot_reach_other_files(tmp_path: Path) -> None:
    playlist = tmp_path / "evil.mp4"
    playlist.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(MediaToolError) as err:
        await run_tool(["ffprobe", "-show_format", "-i", str(playlist)], timeout=20, memory_mb=512)
    assert err.value.returncode and err.value.returncode > 0
    assert "whitelist" in err.value.stderr_tail.lower()


async def test_long_run_times_out_and_is_killed(tmp_path: Path, talk_video: Path) -> None:
    # -re reads the input at its native rate: a 24 s video cannot finish within 1 s.
    argv = ["ffmpeg", "-y", "-re", "-i", str(talk_video), "-f", "null", "-"]
    with pytest.raises(MediaTimeout):
        await run_tool(argv, timeout=1.0, memory_mb=1024)


async def test_memory_limit_applies_in_the_child(talk_video: Path) -> None:
    # 64 MB of address space is far too little for ffmpeg with libx264: it must fail, typed.
    argv = ["ffmpeg", "-y", "-i", str(talk_video), "-c:v", "libx264", "-f", "null", "-"]
    with pytest.raises(MediaToolError):
        await run_tool(argv, timeout=60, memory_mb=64)


async def test_failure_carries_stderr_tail(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"not a video at all")
    with pytest.raises(MediaToolError) as err:
        await run_tool(["ffmpeg", "-i", str(bogus), "-f", "null", "-"], timeout=20, memory_mb=512)
    assert "Invalid data" in err.value.stderr_tail


def _ffmpeg_children() -> list[int]:
    """Our ffmpeg child processes that still exist (zombies excluded)."""
    me = str(os.getpid())
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z" and name == "ffmpeg":
            found.append(int(pid))
    return found


async def test_cancelled_run_kills_the_child(talk_video: Path) -> None:
    argv = ["ffmpeg", "-y", "-re", "-i", str(talk_video), "-f", "null", "-"]
    task = asyncio.create_task(run_tool(argv, timeout=60, memory_mb=1024))
    for _ in range(200):  # wait until the child exists
        await asyncio.sleep(0.02)
        if _ffmpeg_children():
            break
    assert _ffmpeg_children()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _ffmpeg_children() == []
