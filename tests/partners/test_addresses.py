"""The address check itself, on addresses this machine must never connect to.

Nothing here opens a socket: private, link-local and metadata addresses are judged by
NetGuard.check_address and refusal_reason only (and names by a table resolver, no DNS).
"""

from __future__ import annotations

import ipaddress

import pytest

from core.netguard import HostAllowance, NetGuard, UrlNotAllowed, refusal_reason
from tests.partners.conftest import make_guard

REFUSED = {
    "10.0.0.1": "private",
    "10.255.255.255": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "cloud metadata",
    "169.254.170.2": "cloud metadata",
    "169.254.1.1": "link-local",
    "100.64.0.1": "shared (carrier-grade NAT)",
    "100.100.100.200": "cloud metadata",
    "127.0.0.1": "loopback",
    "127.0.0.2": "loopback",
    "0.0.0.0": "unspecified",
    "0.1.2.3": "unspecified",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "255.255.255.255": "broadcast",
    "240.0.0.1": "reserved",
    "192.0.0.170": "reserved",
    "192.0.2.1": "documentation",
    "198.18.0.1": "benchmarking",
    "::": "unspecified",
    "::1": "loopback",
    "fd00::1": "private (unique local)",
    "fc00::1": "private (unique local)",
    "fd00:ec2::254": "cloud metadata",
    "fe80::1": "link-local",
    "fec0::1": "site-local",
    "ff02::1": "multicast",
    "ff0e::1": "multicast",
    "2001:db8::1": "documentation",
    "2001::1": "reserved (Teredo)",
    "100::1": "reserved (discard)",
    "::10.0.0.1": "reserved (IPv4-compatible)",
    "64:ff9b:1::a00:1": "reserved (local NAT64)",
    # IPv6 forms that carry a refused IPv4 address
    "::ffff:10.0.0.1": "private, inside an IPv6 address",
    "::ffff:127.0.0.1": "loopback, inside an IPv6 address",
    "::ffff:169.254.169.254": "cloud metadata, inside an IPv6 address",
    "::ffff:0.0.0.0": "unspecified, inside an IPv6 address",
    "64:ff9b::a9fe:a9fe": "cloud metadata, inside an IPv6 address",  # NAT64 of 169.254.169.254
    "2002:a00:1::1": "private, inside an IPv6 address",  # 6to4 of 10.0.0.1
    "2002:7f00:1::": "loopback, inside an IPv6 address",
}

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450::1"]
PUBLIC_WRAPPED = ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize(("address", "why"), sorted(REFUSED.items()))
def test_refused_addresses_are_named_with_their_reason(address: str, why: str) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal_reason(ip) == why
    with pytest.raises(UrlNotAllowed) as info:
        NetGuard().check_address(ip)
    assert info.value.code == "URL_NOT_ALLOWED" and info.value.field == "url"
    assert why.split(",")[0] in info.value.message  # mapped forms are judged as IPv4


@pytest.mark.parametrize("address", PUBLIC + PUBLIC_WRAPPED)
def test_public_unicast_addresses_pass(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal_reason(ip) is None
    NetGuard().check_address(ip)  # no exception


def test_the_allowance_opens_addresses_in_its_ranges_only() -> None:
    guard = NetGuard(HostAllowance.parse("10.20.0.0/16, 127.0.0.1, fd00:1::/64"))
    for opened in ("10.20.3.4", "127.0.0.1", "::ffff:127.0.0.1", "fd00:1::5"):
        guard.check_address(ipaddress.ip_address(opened))
    for closed in ("10.21.0.1", "127.0.0.2", "::1", "fd00:2::5", "169.254.169.254"):
        with pytest.raises(UrlNotAllowed):
            guard.check_address(ipaddress.ip_address(closed))


@pytest.mark.parametrize(
    "answer",
    [["10.0.0.1"], ["169.254.169.254"], ["fd00::1"], ["::ffff:10.0.0.1"], ["0.0.0.0"]],
)
async def test_a_name_resolving_to_a_refused_address_is_refused(answer: list[str]) -> None:
    guard = make_guard(table={"videos.example.com": answer})
    with pytest.raises(UrlNotAllowed) as info:
        await guard.check_url("https://videos.example.com/talk.mp4")
    shown = answer[0].removeprefix("::ffff:")  # a mapped address is the IPv4 address
    assert "videos.example.com" in info.value.message and shown in info.value.message


async def test_one_refused_address_among_public_ones_refuses_the_host() -> None:
    guard = make_guard(table={"mixed.example.com": ["8.8.8.8", "10.0.0.1"]})
    with pytest.raises(UrlNotAllowed, match="10.0.0.1"):
        await guard.check_url("https://mixed.example.com/")


async def test_a_public_name_passes_with_its_addresses() -> None:
    guard = make_guard(table={"cdn.example.com": ["8.8.4.4", "2001:4860::8888"]})
    checked = await guard.check_url("https://cdn.example.com/v.mp4")
    assert [str(ip) for ip in checked.addresses] == ["8.8.4.4", "2001:4860::8888"]


async def test_a_name_listed_in_the_allowance_may_resolve_anywhere() -> None:
    guard = make_guard("nas.corp.example", table={"nas.corp.example": ["10.1.2.3"]})
    checked = await guard.check_url("http://NAS.corp.example./share/v.mp4")
    assert [str(ip) for ip in checked.addresses] == ["10.1.2.3"]


async def test_a_name_that_does_not_resolve_is_host_not_found() -> None:
    from core.netguard import HostNotFound

    with pytest.raises(HostNotFound) as info:
        await make_guard().check_url("https://nowhere.example.com/")
    assert info.value.code == "HOST_NOT_FOUND" and info.value.field == "url"
