"""A link to a video, end to end: fetched (directly or through its page) and then checked
to be media within limits, as the IMPORT stage will do before charging."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.netguard import NetGuard
from jobs.importing.errors import ImportCode, ImportRefused
from jobs.importing.limits import ImportLimits
from jobs.importing.link import SourceKind, import_link
from jobs.importing.media_check import check_video_file
from tests.partners.conftest import Files
from tests.servers.media_source import MediaSource, Route, Sentinel

LIMITS = ImportLimits(max_bytes=50 * 1024**2, max_duration_seconds=600, resolve_seconds=60)


async def check(path: Path, max_duration: float = 600) -> float:
    info = await check_video_file(
        path, max_bytes=LIMITS.max_bytes, max_duration_seconds=max_duration
    )
    return info.duration


async def test_a_direct_link_is_imported_and_is_a_video(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    source.routes["/talk.mp4"] = Route(files.video.read_bytes())
    got = await import_link(source.url("/talk.mp4"), tmp_path / "in", guard=guard, limits=LIMITS)
    assert got.kind == SourceKind.DIRECT and got.path.read_bytes() == files.video.read_bytes()
    assert 2.5 < await check(got.path) < 3.5
    assert source.paths() == ["/talk.mp4"]  # one request: the sniffing GET is the download


async def test_a_page_is_imported_through_yt_dlp_with_progress(
    source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    data = files.video.read_bytes()
    source.routes["/talk.mp4"] = Route(data)
    html = b"<html><head><title>Launch talk</title></head><video src='/talk.mp4'></video></html>"
    source.routes["/watch"] = Route(html, content_type="text/html")
    seen: list[tuple[int, int | None]] = []

    async def progress(done: int, total: int | None) -> None:
        seen.append((done, total))

    got = await import_link(
        source.url("/watch"), tmp_path / "in", guard=guard, limits=LIMITS, on_progress=progress
    )
    assert got.kind == SourceKind.PAGE and got.title and got.title.startswith("Launch talk")
    assert got.path.read_bytes() == data and seen[-1] == (len(data), len(data))
    assert 2.5 < await check(got.path) < 3.5


@pytest.mark.parametrize("content_type", ["video/mp4", "application/octet-stream", "text/plain"])
async def test_a_body_that_is_no_video_is_found_out_by_probing(
    content_type: str, source: MediaSource, guard: NetGuard, files: Files, tmp_path: Path
) -> None:
    source.routes["/fake.mp4"] = Route(files.garbage.read_bytes(), content_type=content_type)
    got = await import_link(source.url("/fake.mp4"), tmp_path / "in", guard=guard, limits=LIMITS)
    with pytest.raises(ImportRefused) as info:
        await check(got.path)
    assert info.value.code == ImportCode.INVALID_MEDIA
    assert "not lead to a video" in info.value.user_message


async def test_a_video_without_sound_or_too_long_is_refused(
    files: Files,
) -> None:
    with pytest.raises(ImportRefused) as silent:
        await check(files.silent)
    assert silent.value.code == ImportCode.NO_AUDIO_TRACK
    with pytest.raises(ImportRefused) as long:
        await check(files.video, max_duration=1)
    assert long.value.code == ImportCode.TOO_LONG


async def test_a_missing_file_is_a_readable_permanent_failure(
    source: MediaSource, guard: NetGuard, tmp_path: Path
) -> None:
    with pytest.raises(ImportRefused) as info:
        await import_link(source.url("/gone.mp4"), tmp_path / "in", guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.VIDEO_UNAVAILABLE  # yt-dlp read the 404 page
    assert not (tmp_path / "in").exists()


async def test_a_page_whose_file_redirects_to_a_refused_address_fails_unreached(
    source: MediaSource, guard: NetGuard, sentinel_v4: Sentinel, tmp_path: Path
) -> None:
    source.routes["/go.mp4"] = Route(location=sentinel_v4.url())
    html = b"<html><head><title>t</title></head><video src='/go.mp4'></video></html>"
    source.routes["/watch"] = Route(html, content_type="text/html")
    with pytest.raises(ImportRefused) as info:
        await import_link(source.url("/watch"), tmp_path / "in", guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.URL_NOT_ALLOWED
    assert not (tmp_path / "in").exists()


@pytest.mark.parametrize("url", ["http://localhost:{port}/talk.mp4", "{v6}"])
async def test_a_refused_link_is_refused_before_anything_is_fetched(
    url: str, source: MediaSource, guard: NetGuard, sentinel_v6: Sentinel, tmp_path: Path
) -> None:
    link = url.format(port=source.port, v6=sentinel_v6.url())
    with pytest.raises(ImportRefused) as info:
        await import_link(link, tmp_path / "in", guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.URL_NOT_ALLOWED
    assert source.requests == [] and source.connections == 0
