"""Streaming a direct link to a file: limits, redirects, broken and slow transfers."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.netguard import NetGuard
from jobs.importing.errors import ImportCode, ImportRefused, ImportUnavailable
from jobs.importing.fetch import fetch_to_file
from jobs.importing.limits import ImportLimits
from tests.partners.conftest import Files
from tests.servers.media_source import MediaSource, Route, Sentinel, unused_port

LIMITS = ImportLimits(max_bytes=10 * 1024**2, max_duration_seconds=600, progress_every_bytes=8192)


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    async def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))


async def test_a_direct_link_is_streamed_to_the_file_with_progress(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    data = files.video.read_bytes()
    source.routes["/talk.mp4"] = Route(data)
    progress = Progress()
    got = await fetch_to_file(
        source.url("/talk.mp4"), tmp_path / "in.mp4", guard=guard, limits=LIMITS,
        on_progress=progress,
    )  # fmt: skip
    assert (tmp_path / "in.mp4").read_bytes() == data
    assert (got.size, got.content_type, got.resumes) == (len(data), "video/mp4", 0)
    assert progress.calls[0] == (0, len(data)) and progress.calls[-1] == (len(data), len(data))
    dones = [done for done, _ in progress.calls]
    assert dones == sorted(dones) and len(dones) >= 3  # throttled, yet along the way


async def test_a_redirect_chain_is_followed_to_the_file(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    source.routes["/talk.mp4"] = Route(files.video.read_bytes())
    source.routes["/a"] = Route(location="/b", status=301)
    source.routes["/b"] = Route(location=source.url("/c"), status=307)
    source.routes["/c"] = Route(location="/talk.mp4", status=302)
    got = await fetch_to_file(source.url("/a"), tmp_path / "in.mp4", guard=guard, limits=LIMITS)
    assert got.final_url == source.url("/talk.mp4")
    assert source.paths() == ["/a", "/b", "/c", "/talk.mp4"]


async def test_a_broken_transfer_is_resumed_with_a_range_request(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    data = files.video.read_bytes()
    half = len(data) // 2
    source.routes["/talk.mp4"] = Route(data, break_after=half)
    got = await fetch_to_file(
        source.url("/talk.mp4"), tmp_path / "in.mp4", guard=guard, limits=LIMITS
    )
    assert (tmp_path / "in.mp4").read_bytes() == data and got.resumes == 1
    second = source.requests[1].headers
    assert second["range"] == f"bytes={half}-" and second["if-range"] == '"v1"'


async def test_a_source_that_starts_over_on_resumption_is_followed_from_the_start(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    data = files.video.read_bytes()
    modified = {"Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"}
    source.routes["/talk.mp4"] = Route(
        data, break_after=len(data) // 3, etag=None, extra_headers=modified
    )  # If-Range never matches: the server answers the whole file again
    got = await fetch_to_file(
        source.url("/talk.mp4"), tmp_path / "in.mp4", guard=guard, limits=LIMITS
    )
    assert (tmp_path / "in.mp4").read_bytes() == data and got.size == len(data)
    assert source.requests[1].headers["if-range"] == modified["Last-Modified"]


async def test_a_broken_transfer_without_ranges_fails_cleanly(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    data = files.video.read_bytes()
    source.routes["/talk.mp4"] = Route(data, break_after=len(data) // 2, ranges=False)
    with pytest.raises(ImportUnavailable) as info:
        await fetch_to_file(
            source.url("/talk.mp4"), tmp_path / "in.mp4", guard=guard, limits=LIMITS
        )
    assert info.value.code == ImportCode.CONNECTION_BROKEN and info.value.retryable
    assert "could not be resumed" in info.value.user_message
    assert not (tmp_path / "in.mp4").exists() and len(source.requests) == 1


async def test_resumptions_are_bounded(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    data = files.video.read_bytes()
    source.routes["/talk.mp4"] = Route(data, break_after=1000, breaks=100, etag=None)
    limits = ImportLimits(max_bytes=LIMITS.max_bytes, max_duration_seconds=600, max_resumes=2)
    with pytest.raises(ImportUnavailable) as info:
        await fetch_to_file(source.url("/talk.mp4"), tmp_path / "x", guard=guard, limits=limits)
    assert info.value.code == ImportCode.CONNECTION_BROKEN
    assert len(source.requests) == 3 and not (tmp_path / "x").exists()


async def test_a_slow_transfer_fails_at_the_time_limit_and_leaves_nothing(
    source: MediaSource, guard: NetGuard, tmp_path: Path
) -> None:
    source.routes["/slow.mp4"] = Route(b"x" * 200_000, chunk_size=1000, chunk_delay=0.05)
    limits = ImportLimits(max_bytes=LIMITS.max_bytes, max_duration_seconds=600, total_seconds=0.4)
    with pytest.raises(ImportUnavailable) as info:
        await fetch_to_file(
            source.url("/slow.mp4"), tmp_path / "in.mp4", guard=guard, limits=limits
        )
    assert info.value.code == ImportCode.IMPORT_TIMEOUT and "longer than" in info.value.user_message
    assert not (tmp_path / "in.mp4").exists()


async def test_a_too_large_content_length_is_refused_before_reading(
    source: MediaSource, guard: NetGuard, tmp_path: Path
) -> None:
    source.routes["/huge.mp4"] = Route(b"x" * 1000, declared_length=50 * 1024**3)
    progress = Progress()
    with pytest.raises(ImportRefused) as info:
        await fetch_to_file(
            source.url("/huge.mp4"), tmp_path / "in.mp4", guard=guard, limits=LIMITS,
            on_progress=progress,
        )  # fmt: skip
    assert info.value.code == ImportCode.TOO_LARGE and "10 MB" in info.value.user_message
    assert progress.calls == [] and not (tmp_path / "in.mp4").exists()


async def test_a_body_without_length_is_counted_and_cut_at_the_limit(
    source: MediaSource, guard: NetGuard, tmp_path: Path
) -> None:
    source.routes["/stream.mp4"] = Route(b"x" * 300_000, chunked=True)
    limits = ImportLimits(max_bytes=100_000, max_duration_seconds=600)
    with pytest.raises(ImportRefused) as info:
        await fetch_to_file(
            source.url("/stream.mp4"), tmp_path / "in.mp4", guard=guard, limits=limits
        )
    assert info.value.code == ImportCode.TOO_LARGE
    assert not (tmp_path / "in.mp4").exists()


@pytest.mark.parametrize(("status", "retryable"), [(404, False), (403, False), (503, True)])
async def test_error_statuses_fail_with_a_readable_message(
    status: int, retryable: bool, source: MediaSource, guard: NetGuard, tmp_path: Path
) -> None:
    source.routes["/gone.mp4"] = Route(status=status)
    with pytest.raises((ImportRefused, ImportUnavailable)) as info:
        await fetch_to_file(source.url("/gone.mp4"), tmp_path / "x", guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.SOURCE_HTTP_ERROR
    assert info.value.retryable is retryable and str(status) in info.value.user_message


async def test_a_server_that_is_down_is_unreachable(guard: NetGuard, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/talk.mp4"
    with pytest.raises(ImportUnavailable) as info:
        await fetch_to_file(url, tmp_path / "x", guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.SOURCE_UNREACHABLE


@pytest.mark.parametrize("where", ["direct", "redirect"])
async def test_refused_targets_fail_with_url_not_allowed_and_are_never_reached(
    where: str, source: MediaSource, guard: NetGuard, sentinel_v4: Sentinel, tmp_path: Path
) -> None:
    source.routes["/go"] = Route(location=sentinel_v4.url())
    url = sentinel_v4.url() if where == "direct" else source.url("/go")
    with pytest.raises(ImportRefused) as info:
        await fetch_to_file(url, tmp_path / "x", guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.URL_NOT_ALLOWED and "loopback" in info.value.user_message
    assert not (tmp_path / "x").exists()
