"""What a link must look like, and how the allowance setting is read (no network)."""

from __future__ import annotations

import pytest

from core.netguard import HostAllowance, NetGuard, UrlNotAllowed, parse_link
from tests.partners.conftest import make_guard


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("file:///etc/passwd", "not file: links"),
        ("ftp://example.com/v.mp4", "not ftp: links"),
        ("data:video/mp4;base64,AAAA", "not data: links"),
        ("gopher://example.com/", "not gopher: links"),
        ("javascript:alert(1)", "not javascript: links"),
        ("example.com/v.mp4", "Only http and https"),
        ("//example.com/v.mp4", "Only http and https"),
        ("http://user:secret@example.com/v.mp4", "user name or password"),
        ("https://user@example.com/v.mp4", "user name or password"),
        ("http://example.com@127.0.0.1/", "user name or password"),
        ("http://example.com\\@127.0.0.1/", "backslashes"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com/\r\nHost: evil", "control characters"),
        ("http:///v.mp4", "no host"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://2130706433/", "unusual form"),
        ("http://0x7f.0.0.1/", "unusual form"),
        ("http://0177.0.0.1/", "not a valid link"),
        ("http://127.1/", "unusual form"),
        ("https://example.com/" + "a" * 5000, "at most"),
    ],
)
def test_links_refused_before_any_lookup(url: str, said: str) -> None:
    with pytest.raises(UrlNotAllowed) as info:
        parse_link(url)
    assert info.value.code == "URL_NOT_ALLOWED" and info.value.field == "url"
    assert said in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/v.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:a00:1]/",
        "https://0.0.0.0:8443/",
        "http://224.0.0.1/",
    ],
)
def test_literal_addresses_are_refused_without_a_lookup(url: str) -> None:
    with pytest.raises(UrlNotAllowed, match="not allowed"):
        NetGuard().check_syntax(url)


def test_a_good_link_is_parsed_into_host_and_port() -> None:
    target = parse_link("HTTPS://Videos.Example.COM/a%20b.mp4?x=1#t=3")
    assert (target.scheme, target.host, target.port, target.literal) == (
        "https",
        "videos.example.com",
        443,
        None,
    )
    v6 = parse_link("http://[2606:4700::1111]:8080/v")
    assert (v6.host, v6.port, str(v6.literal)) == ("2606:4700::1111", 8080, "2606:4700::1111")
    idn = parse_link("https://bücher.example/v.mp4")
    assert idn.host == "xn--bcher-kva.example"


def test_https_can_be_required_for_webhooks() -> None:
    with pytest.raises(UrlNotAllowed, match="Only https"):
        parse_link("http://hooks.example.com/in", require_https=True)
    assert parse_link("https://hooks.example.com/in", require_https=True).port == 443


def test_the_allowance_setting_is_parsed_once_into_names_and_ranges() -> None:
    allowance = HostAllowance.parse(" media.Example.com., 10.20.0.0/16 ,127.0.0.1,[::1],, ")
    assert allowance.names == frozenset({"media.example.com"})
    assert [str(n) for n in allowance.networks] == ["10.20.0.0/16", "127.0.0.1/32", "::1/128"]
    assert not HostAllowance.parse("") and not HostAllowance.parse(None)
    for bad in ("http://x.example.com/", "user@host", "10.0.0.0/33", "*.example.com"):
        with pytest.raises(ValueError):
            HostAllowance.parse(bad)


async def test_localhost_is_refused_when_only_its_address_is_allowed() -> None:
    guard = make_guard("127.0.0.1")
    with pytest.raises(UrlNotAllowed, match="this machine"):
        await guard.check_url("http://localhost:8000/v.mp4")
    with pytest.raises(UrlNotAllowed, match="this machine"):
        await guard.check_url("http://media.localhost:8000/v.mp4")
    opened = make_guard("localhost")
    checked = await opened.check_url("http://localhost:8000/v.mp4")
    assert all(ip.is_loopback for ip in checked.addresses)


async def test_the_allowed_address_and_a_name_resolving_inside_the_range_pass() -> None:
    guard = make_guard("127.0.0.1", table={"media.test": ["127.0.0.1"]})
    assert [str(a) for a in (await guard.check_url("http://127.0.0.1:9/")).addresses] == [
        "127.0.0.1"
    ]
    assert [str(a) for a in (await guard.check_url("http://media.test:9/")).addresses] == [
        "127.0.0.1"
    ]
    for refused in ("http://127.0.0.2:9/", "http://[::1]:9/", "http://[::ffff:127.0.0.2]:9/"):
        with pytest.raises(UrlNotAllowed, match="loopback"):
            await guard.check_url(refused)


def test_the_setting_text_is_parsed_once_per_value() -> None:
    from core.netguard import parse_allowance

    assert parse_allowance("127.0.0.1, media.test") is parse_allowance("127.0.0.1, media.test")
    assert parse_allowance("127.0.0.1, media.test").names == frozenset({"media.test"})
