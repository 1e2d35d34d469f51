"""/admin in a real headless Chromium (Debian's, driven by Playwright; no browser download)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from core.config import Settings
from orm.models import DeadLetter, Upload
from orm.models.enums import UploadStatus
from resolvers.accounts import make_admin
from tests.events.conftest import Server, start_server
from tests.ops.helpers import charged_upload
from tests.ops.test_admin_api import dead_letter_for

pytestmark = pytest.mark.usefixtures("db")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "amber-ledger-harbour-91"
SIGN_UP = """mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { session { accessToken } errors { code message } }
}"""


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
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


async def sign_up(base: str, email: str) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        resp = await http.post(
            "/graphql",
            json={"query": SIGN_UP, "variables": {"input": {"email": email, "password": PASSWORD}}},
        )
    assert resp.json()["data"]["signUp"]["errors"] == [], resp.text


async def log_in(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/admin")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("#login-button")


async def test_admin_logs_in_sees_a_dead_letter_and_retries_it(
    server: Server, browser: Browser, redis: Any
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    email = "ops-admin@example.com"
    await sign_up(base, email)
    await make_admin(email)
    _, upload = await charged_upload()
    row = await dead_letter_for("clip", str(upload.id), "The video could not be cut.")

    page = await browser.new_page()
    failed_requests: list[str] = []
    page.on("requestfailed", lambda r: failed_requests.append(r.url))
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    await log_in(page, base, email)

    from tests.factories import gid

    entry = page.locator(f'tr.dead-letter[data-id="{gid("DeadLetter", row.id)}"]')
    await expect(entry).to_be_visible(timeout=15_000)
    await expect(entry).to_contain_text("The video could not be cut.")
    await expect(entry).to_contain_text("CLIP")
    clip_row = page.locator('#queues tr[data-queue="CLIP"] td.dead')
    await expect(clip_row).to_have_text("1")
    await expect(page.locator("#failures")).to_contain_text("The video could not be cut.")

    await entry.locator("button.retry").click()
    await expect(entry).to_have_count(0, timeout=15_000)
    await expect(clip_row).to_have_text("0")
    await expect(page.locator('#queues tr[data-queue="CLIP"] td.queued')).to_have_text("1")
    assert not await DeadLetter.filter(id=row.id).exists()
    # Back in the status of the job that runs again (what the reconciler reads).
    assert (await Upload.get(id=upload.id)).status == UploadStatus.CLIPPING
    assert failed_requests == [] and console_errors == []

    # The token lives in this tab's sessionStorage: a reload stays signed in, sign-out clears it.
    await page.reload()
    await expect(page.locator("#dashboard")).to_be_visible()
    await page.click("#logout")
    await expect(page.locator("#login")).to_be_visible()
    assert await page.evaluate("sessionStorage.length") == 0


async def test_a_non_admin_is_turned_away(server: Server, browser: Browser, redis: Any) -> None:
    base = f"http://127.0.0.1:{server.port}"
    await sign_up(base, "just-a-creator@example.com")
    page = await browser.new_page()
    await log_in(page, base, "just-a-creator@example.com")
    await expect(page.locator("#login-error")).to_have_text(
        "This account is not an administrator.", timeout=15_000
    )
    await expect(page.locator("#dashboard")).to_be_hidden()
    await log_in(page, base, "nobody@example.com")
    await expect(page.locator("#login-error")).not_to_be_empty(timeout=15_000)


async def test_page_headers(server: Server) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        resp = await http.get("/admin")
    assert resp.status_code == 200 and "text/html" in resp.headers["content-type"]
    policy = resp.headers["content-security-policy"]
    assert "script-src 'sha256-" in policy and "unsafe-inline'" not in policy.split(";")[1]
    assert "frame-ancestors 'none'" in policy
    assert resp.headers["cache-control"] == "no-store"
