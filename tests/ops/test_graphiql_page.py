"""GraphiQL at /graphql in a real headless Chromium (Debian's, driven by Playwright): it
renders from the api's own files, runs a typed query, and nothing leaves the api's origin."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from core.config import Settings
from graphql_api.ide import page as ide_page
from tests.events.conftest import Server, start_server
from tests.ops.test_admin_page import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.usefixtures("db")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def graphiql_files() -> None:
    """GraphiQL's npm files, fetched as at install time (scripts/setup.sh does it too)."""
    if not ide_page.installed():
        subprocess.run(["bash", str(REPO / "scripts" / "graphiql-assets.sh")], check=True)
    assert ide_page.installed()


@pytest.fixture
async def server(settings: Settings, graphiql_files: None) -> AsyncIterator[Server]:
    srv = await start_server(settings)
    yield srv
    await srv.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert shutil.which(CHROMIUM), "Debian's chromium is installed by scripts/setup.sh"
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        await b.close()


async def test_graphiql_renders_and_runs_a_typed_query_from_this_origin_only(
    server: Server, browser: Browser, redis: Any
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    page = await browser.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))

    response = await page.goto(f"{base}/graphql")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]

    editor = page.locator(".graphiql-query-editor .CodeMirror")
    await expect(editor).to_be_visible(timeout=30_000)
    # The explorer plugin is there and knows the schema (introspection ran).
    await page.get_by_label("Show GraphiQL Explorer").click()
    await expect(page.locator(".graphiql-explorer-root")).to_contain_text("creditPacks")

    # Type a query (replacing the example) and run it.
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.type("{ __typename }")
    await page.keyboard.press("Escape")  # close the completion list, if open
    await page.locator(".graphiql-execute-button").click()
    result = page.locator(".graphiql-response")
    await expect(result).to_contain_text('"__typename": "Query"', timeout=15_000)

    assert requested, "the page made no request"
    strangers = [u for u in requested if not (u.startswith(base + "/") or u.startswith("data:"))]
    assert strangers == []
    assert any(u.startswith(f"{base}/graphiql/graphiql.min.js") for u in requested)
    assert problems == []


async def test_without_its_files_the_page_says_what_to_run(
    settings: Settings, redis: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from graphql_api.app import create_app

    monkeypatch.setattr(ide_page, "STATIC", tmp_path / "missing")
    app = create_app(settings, manage_connections=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        resp = await c.get("/graphql", headers={"Accept": "text/html"})
    assert resp.status_code == 503
    assert "scripts/graphiql-assets.sh" in resp.text
