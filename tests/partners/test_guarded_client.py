"""End to end: the guarded client reaches the allowed server and nothing else.

Refused targets are loopback addresses outside the allowance (127.0.0.2, [::1], localhost
when only 127.0.0.1 is allowed) with a sentinel server listening there that must see no
connection at all.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from core.netguard import UrlNotAllowed, guarded_client
from core.netguard.redirects import open_following
from tests.partners.conftest import TableResolver, make_guard
from tests.servers.media_source import MediaSource, Route, Sentinel, self_signed_tls


async def test_the_allowed_server_answers(source: MediaSource) -> None:
    source.routes["/hello"] = Route(b"hi", content_type="text/plain")
    async with guarded_client(make_guard()) as client:
        response = await client.get(source.url("/hello"))
    assert (response.status_code, response.text) == (200, "hi")


@pytest.mark.parametrize("which", ["127.0.0.2", "::1"])
async def test_loopback_addresses_outside_the_allowance_are_never_connected(
    which: str, sentinels: dict[str, Sentinel], sentinel_v4: Sentinel, sentinel_v6: Sentinel
) -> None:
    sentinel = sentinels[which]
    async with guarded_client(make_guard()) as client:
        with pytest.raises(UrlNotAllowed, match="loopback"):
            await client.get(sentinel.url())  # the transport itself refuses, no pre-check


async def test_localhost_is_refused_when_only_127_0_0_1_is_allowed(source: MediaSource) -> None:
    source.routes["/v.mp4"] = Route(b"video")
    async with guarded_client(make_guard("127.0.0.1")) as client:
        with pytest.raises(UrlNotAllowed, match="this machine"):
            await client.get(source.url("/v.mp4", host="localhost"))
    assert source.requests == [] and source.connections == 0


@pytest.mark.parametrize(
    "location",
    ["{v4}", "{v6}", "http://localhost:{port}/v.mp4", "file:///etc/passwd", "http://u:p@{host}/"],
)
async def test_a_redirect_to_a_refused_target_is_not_followed(
    location: str, source: MediaSource, sentinel_v4: Sentinel, sentinel_v6: Sentinel
) -> None:
    source.routes["/v.mp4"] = Route(b"video")
    source.routes["/go"] = Route(
        location=location.format(
            v4=sentinel_v4.url(), v6=sentinel_v6.url(), port=source.port, host="127.0.0.1"
        )
    )
    guard = make_guard()
    async with guarded_client(guard) as client:
        with pytest.raises(UrlNotAllowed):
            await open_following(client, guard, source.url("/go"))
    assert source.paths() == ["/go"]


async def test_at_most_five_redirects_are_followed(source: MediaSource) -> None:
    source.routes["/v.mp4"] = Route(b"video")
    for i in range(1, 7):
        source.routes[f"/r{i}"] = Route(location="/v.mp4" if i == 1 else f"/r{i - 1}")
    guard = make_guard()
    async with guarded_client(guard) as client:
        response = await open_following(client, guard, source.url("/r5"))
        assert (response.status_code, await response.aread()) == (200, b"video")
        await response.aclose()
        with pytest.raises(httpx.TooManyRedirects):
            await open_following(client, guard, source.url("/r6"))
    assert source.paths().count("/v.mp4") == 1


async def test_a_name_rebinding_after_the_check_is_refused_at_connection(
    sentinel_v4: Sentinel,
) -> None:
    resolver = TableResolver()
    resolver.answers("rebind.test", ["127.0.0.1"], ["127.0.0.2"])
    guard = make_guard("127.0.0.1", resolver=resolver)
    url = f"http://rebind.test:{sentinel_v4.port}/v.mp4"
    checked = await guard.check_url(url)  # what the api sees: an allowed address
    assert [str(ip) for ip in checked.addresses] == ["127.0.0.1"]
    async with guarded_client(guard) as client:
        with pytest.raises(UrlNotAllowed, match=r"rebind.test \(127.0.0.2\) is loopback"):
            await client.get(url)  # the worker's connection resolves again and is refused
    assert resolver.lookups == ["rebind.test", "rebind.test"]


async def test_the_connection_goes_to_the_checked_address_with_the_host_header_kept(
    source: MediaSource, sentinel_v4: Sentinel
) -> None:
    source.routes["/v.mp4"] = Route(b"video")
    resolver = TableResolver()
    resolver.answers("media.test", ["127.0.0.1"], ["127.0.0.2"])
    guard = make_guard("media.test", resolver=resolver)
    async with guarded_client(guard) as client:
        response = await client.get(f"http://media.test:{source.port}/v.mp4")
        again = await client.get(f"http://media.test:{source.port}/v.mp4")  # pooled
    assert response.content == again.content == b"video"
    assert resolver.lookups == ["media.test"]  # one lookup, one connection, to its answer
    assert source.requests[0].headers["host"] == f"media.test:{source.port}"


async def test_tls_gets_the_host_name_while_the_socket_goes_to_the_checked_address(
    tmp_path: Path,
) -> None:
    server_tls, client_tls, sni_seen = self_signed_tls("media.test", tmp_path)
    source = MediaSource("127.0.0.1", tls=server_tls).start()
    try:
        source.routes["/v.mp4"] = Route(b"secure video")
        guard = make_guard("127.0.0.1", table={"media.test": ["127.0.0.1"]})
        async with guarded_client(guard, ssl_context=client_tls) as client:
            response = await client.get(source.url("/v.mp4", host="media.test"))
        assert response.content == b"secure video"
        assert sni_seen == ["media.test"]  # the certificate was checked against the name
        assert source.requests[0].headers["host"] == f"media.test:{source.port}"
    finally:
        source.stop()
