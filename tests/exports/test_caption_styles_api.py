"""Caption styles through the contract: presets first then the user's own, creation with
every invalid field reported (fonts checked against what the worker image installs, without
the api loading media code or fontconfig), names unique per user, scopes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from core.caption_styles import CAPTION_FONTS, PRESETS
from orm.models import CaptionStyle
from tests.accounts.test_api_keys import create_key
from tests.factories import gid
from tests.pipeline.contract import operation

ROOT = Path(__file__).resolve().parents[2]
NODE = "query($id: ID!) { node(id: $id) { id ... on CaptionStyle { name builtIn fontSize } } }"


async def create(gql: Any, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql(operation("CreateCaptionStyle"), {"input": fields}, token)
    payload: dict[str, Any] = body["data"]["createCaptionStyle"]
    return payload


async def listed(gql: Any, token: str) -> list[dict[str, Any]]:
    body = await gql(operation("CaptionStyles"), {}, token)
    styles: list[dict[str, Any]] = body["data"]["captionStyles"]
    return styles


async def test_presets_come_first_then_your_own_in_order(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    _, other = await make_user()
    assert (await create(gql, other, name="someone else's"))["errors"] == []
    before = await listed(gql, token)
    assert [s["name"] for s in before] == list(PRESETS)
    assert all(s["builtIn"] for s in before)
    karaoke = before[0]
    assert (karaoke["animation"], karaoke["position"], karaoke["fontFamily"]) == (
        "KARAOKE",
        "BOTTOM",
        "DejaVu Sans",
    )
    assert karaoke["id"] == gid("CaptionStyle", "karaoke")

    first = await create(gql, token, name="first", animation="NONE", position="MIDDLE")
    second = await create(gql, token, name="second")
    assert first["errors"] == second["errors"] == []
    assert first["style"]["animation"] == "NONE" and first["style"]["position"] == "MIDDLE"
    after = await listed(gql, token)
    assert [s["name"] for s in after] == [*PRESETS, "first", "second"]
    assert [s["builtIn"] for s in after[len(PRESETS) :]] == [False, False]
    assert after[-2]["id"] == first["style"]["id"]

    # node(id) reaches presets (anyone's) and one's own styles
    for style_id, name, built_in in (
        (karaoke["id"], "karaoke", True),
        (first["style"]["id"], "first", False),
    ):
        node = (await gql(NODE, {"id": style_id}, token))["data"]["node"]
        assert (node["name"], node["builtIn"]) == (name, built_in)
    assert (await gql(NODE, {"id": first["style"]["id"]}, other))["data"]["node"] is None


async def test_unset_fields_take_the_default_look_and_values_are_normalised(
    gql: Any, make_user: Any
) -> None:
    user, token = await make_user()
    payload = await create(
        gql,
        token,
        name="  mono  ",
        fontFamily="dejavu sans mono",
        textColor="#a0b1c2",
        uppercase=True,
        maxWordsPerLine=2,
    )
    assert payload["errors"] == []
    row = await CaptionStyle.get(user_id=user.id)
    assert (row.name, row.font_family, row.text_color) == ("mono", "DejaVu Sans Mono", "#A0B1C2")
    assert (row.font_size, row.highlight_color, row.outline_color) == (72, "#FFD600", "#000000")
    assert (row.position, row.animation, row.uppercase, row.words_per_line, row.bold) == (
        "BOTTOM",
        "KARAOKE",
        True,
        2,
        True,
    )


async def test_every_invalid_field_is_reported_and_nothing_is_saved(
    gql: Any, make_user: Any
) -> None:
    user, token = await make_user()
    payload = await create(
        gql,
        token,
        name=" ",
        fontFamily="Comic Sans MS",
        fontSize=5,
        textColor="red",
        highlightColor="#12345G",
        maxWordsPerLine=0,
    )
    assert payload["style"] is None
    found = {(e["field"], e["code"]) for e in payload["errors"]}
    assert found == {
        ("name", "INVALID_STYLE_NAME"),
        ("fontFamily", "FONT_NOT_INSTALLED"),
        ("fontSize", "INVALID_FONT_SIZE"),
        ("textColor", "INVALID_COLOR"),
        ("highlightColor", "INVALID_COLOR"),
        ("maxWordsPerLine", "INVALID_WORDS_PER_LINE"),
    }
    font = next(e for e in payload["errors"] if e["field"] == "fontFamily")
    assert all(f in font["message"] for f in CAPTION_FONTS)  # says what may be used
    assert not await CaptionStyle.filter(user_id=user.id).exists()


async def test_names_are_unique_per_user(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    _, other = await make_user()
    assert (await create(gql, token, name="Bold"))["errors"] == []
    again = await create(gql, token, name="Bold")
    assert again["style"] is None
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("STYLE_NAME_TAKEN", "name")]
    assert (await create(gql, other, name="Bold"))["errors"] == []  # another user's is theirs


async def test_fonts_of_a_richer_worker_image_are_allowed_by_setting(
    gql: Any, make_user: Any, override_settings: Any
) -> None:
    _, token = await make_user()
    refused = await create(gql, token, name="liberation", fontFamily="Liberation Sans")
    assert [e["code"] for e in refused["errors"]] == ["FONT_NOT_INSTALLED"]
    override_settings(caption_fonts=("Liberation Sans",))
    allowed = await create(gql, token, name="liberation", fontFamily="liberation sans")
    assert allowed["errors"] == []


async def test_api_keys_list_with_read_and_create_with_write(gql: Any, make_user: Any) -> None:
    _, session = await make_user()
    read_only = (await create_key(gql, session, ["READ_CLIPS"]))["secret"]
    writer = (await create_key(gql, session, ["READ_CLIPS", "WRITE_UPLOADS"]))["secret"]
    assert len(await listed(gql, read_only)) == len(PRESETS)
    refused = await create(gql, read_only, name="nope")
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert (await create(gql, writer, name="partner look"))["errors"] == []
    assert [s["name"] for s in await listed(gql, session)][-1] == "partner look"
    anonymous = await gql(operation("CaptionStyles"), {}, None, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_api_validates_styles_without_media_code_or_fontconfig() -> None:
    probe = (
        "import sys, subprocess\n"
        "calls = []\n"
        "real = subprocess.run\n"
        "subprocess.run = lambda *a, **k: calls.append(a) or real(*a, **k)\n"
        "import graphql_api.app, resolvers.caption_styles as r\n"
        "from core.caption_styles import CaptionStyle\n"
        "assert r.validate_style(CaptionStyle('x', font='DejaVu Serif'), r.allowed_fonts()) == []\n"
        "heavy = [m for m in sys.modules if m.startswith('jobs.media') or m in ('dlib', "
        "'faster_whisper', 'numpy')]\n"
        "print(heavy, calls)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[] []", out.stdout + out.stderr
