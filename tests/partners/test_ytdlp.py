"""Video pages through yt-dlp's generic extractor, its HTTP held to the guard by the proxy."""

from __future__ import annotations

import httpx
import pytest

from core.netguard import NetGuard
from jobs.importing.errors import ImportCode, ImportRefused, ImportUnavailable
from jobs.importing.limits import ImportLimits
from jobs.importing.proxy import GuardedProxy
from jobs.importing.ytdlp import format_spec, resolve_page
from jobs.importing.ytdlp_errors import classify_failure
from tests.partners.conftest import Files
from tests.servers.media_source import MediaSource, Route, Sentinel

LIMITS = ImportLimits(max_bytes=50 * 1024**2, max_duration_seconds=600, resolve_seconds=60)


def page(body: str, title: str = "My talk", head: str = "") -> Route:
    html = f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    return Route(html.encode(), content_type="text/html; charset=utf-8")


async def test_a_page_embedding_a_video_resolves_to_its_file(
    source: MediaSource, guard: NetGuard, files: Files
) -> None:
    source.routes["/talk.mp4"] = Route(files.video.read_bytes())
    source.routes["/watch"] = page('<video controls src="/talk.mp4"></video>')
    video = await resolve_page(source.url("/watch"), guard=guard, limits=LIMITS)
    assert video.url == source.url("/talk.mp4")
    assert video.title and video.title.startswith("My talk") and video.ext == "mp4"
    assert video.headers.get("Referer") == source.url("/watch")
    assert not {"cookie", "authorization"} & {k.lower() for k in video.headers}
    assert "/watch" in source.paths() and "/talk.mp4" not in source.paths()  # resolved only


@pytest.mark.parametrize("how", ["meta refresh", "redirect"])
async def test_yt_dlp_itself_cannot_reach_a_refused_address(
    how: str, source: MediaSource, guard: NetGuard, sentinel_v4: Sentinel
) -> None:
    if how == "redirect":
        source.routes["/watch"] = Route(location=sentinel_v4.url("/watch"))
    else:
        refresh = f'<meta http-equiv="refresh" content="0; url={sentinel_v4.url("/watch")}">'
        source.routes["/watch"] = page("", head=refresh)
    with pytest.raises(ImportRefused) as info:
        await resolve_page(source.url("/watch"), guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.URL_NOT_ALLOWED and "loopback" in info.value.user_message


async def test_a_format_url_at_a_refused_address_is_refused(
    source: MediaSource, guard: NetGuard, sentinel_v6: Sentinel
) -> None:
    source.routes["/watch"] = page(f'<video src="{sentinel_v6.url("/talk.mp4")}"></video>')
    with pytest.raises(ImportRefused) as info:
        await resolve_page(source.url("/watch"), guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.URL_NOT_ALLOWED


async def test_a_page_without_a_video_is_unsupported(source: MediaSource, guard: NetGuard) -> None:
    source.routes["/blog"] = page("<p>Just words, no video.</p>")
    with pytest.raises(ImportRefused) as info:
        await resolve_page(source.url("/blog"), guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.UNSUPPORTED_URL
    assert info.value.user_message == "No video was found at that link."


async def test_a_missing_page_is_unavailable(source: MediaSource, guard: NetGuard) -> None:
    with pytest.raises(ImportRefused) as info:
        await resolve_page(source.url("/nothing-here"), guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.VIDEO_UNAVAILABLE


async def test_a_page_with_several_videos_is_refused_rather_than_guessed(
    source: MediaSource, guard: NetGuard
) -> None:
    source.routes["/two"] = page('<video src="/a.mp4"></video><video src="/b.mp4"></video>')
    with pytest.raises(ImportRefused) as info:
        await resolve_page(source.url("/two"), guard=guard, limits=LIMITS)
    assert info.value.code == ImportCode.PLAYLIST


def test_the_format_asks_for_one_http_file_within_the_size() -> None:
    spec = format_spec(LIMITS)
    assert spec.startswith("b[") and f"filesize<=?{50 * 1024**2}" in spec and "https?" in spec


@pytest.mark.parametrize(
    ("kind", "message", "code", "transient"),
    [
        ("ExtractorError", "[youtube] abc: Private video. Sign in if you've been granted "
         "access to this video", ImportCode.VIDEO_PRIVATE, False),
        ("ExtractorError", "[youtube] abc: Sign in to confirm you’re not a bot. Use "
         "--cookies-from-browser", ImportCode.BOT_CHECK, False),
        ("ExtractorError", "[youtube] abc: Video unavailable. This video has been removed "
         "by the uploader", ImportCode.VIDEO_UNAVAILABLE, False),
        ("ExtractorError", "[youtube] abc: Video unavailable. The uploader has not made this "
         "video available in your country", ImportCode.GEO_BLOCKED, False),
        ("GeoRestrictedError", "This video is not available from your location due to geo "
         "restriction", ImportCode.GEO_BLOCKED, False),
        ("UnsupportedError", "Unsupported URL: https://example.com/", ImportCode.UNSUPPORTED_URL,
         False),
        ("ExtractorError", "[vimeo] 123: This video is only available for registered users",
         ImportCode.VIDEO_PRIVATE, False),
        ("ExtractorError", "[youtube] abc: This live event will begin in 3 hours.",
         ImportCode.LIVE_STREAM, False),
        ("ExtractorError", "Requested format is not available. Use --list-formats",
         ImportCode.NO_SUITABLE_FORMAT, False),
        ("ExtractorError", "Unable to download webpage: HTTP Error 429: Too Many Requests",
         ImportCode.SOURCE_HTTP_ERROR, True),
        ("TransportError", "Unable to download webpage: timed out",
         ImportCode.SOURCE_UNREACHABLE, True),
        ("KeyError", "'formats'", ImportCode.RESOLVER_FAILED, True),
    ],
)  # fmt: skip
def test_yt_dlp_failures_become_readable_typed_errors(
    kind: str, message: str, code: ImportCode, transient: bool
) -> None:
    failure = classify_failure(kind, message)
    assert failure.code == code and failure.retryable is transient
    assert isinstance(failure, ImportUnavailable if transient else ImportRefused)
    assert message not in failure.user_message  # a sentence for people, not a log line


async def test_the_proxy_checks_every_target_and_wants_its_token(
    source: MediaSource, guard: NetGuard, sentinel_v4: Sentinel
) -> None:
    source.routes["/hi"] = Route(b"hi", content_type="text/plain")
    async with GuardedProxy(guard) as proxy:
        async with httpx.AsyncClient(proxy=proxy.url, trust_env=False) as client:
            ok = await client.get(source.url("/hi"))
            again = await client.get(source.url("/hi"))  # a new connection: the last closed
            posted = await client.post(source.url("/hi"), content=b"q=1")
            refused = await client.get(sentinel_v4.url())
        stranger = proxy.url.replace(proxy.url.split("@")[0].split(":")[-1], "wrong")
        async with httpx.AsyncClient(proxy=stranger, trust_env=False) as client:
            unauthorized = await client.get(source.url("/hi"))
    assert (ok.status_code, ok.text) == (200, "hi") and ok.headers["connection"] == "close"
    assert (again.text, posted.text) == ("hi", "hi")
    assert refused.status_code == 403 and len(proxy.refusals) == 1
    assert unauthorized.status_code == 407 and source.paths() == ["/hi"] * 3
