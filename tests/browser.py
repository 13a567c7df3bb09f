"""A real Chromium page for tests that look at what a person sees.

Debian's /usr/bin/chromium only: Playwright is never asked to download a browser
(scripts/test.sh installs the Debian package when it is missing). Without it the
browser tests skip, or fail when FLERPART_REQUIRE_BROWSER=1 (CI sets it).
Import the fixture into a test module: `from tests.browser import chromium_page`.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # root in CI; the page is our own
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no traffic except to the page under test
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 390, "height": 844}  # participants open the link from an SMS


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: `apt-get install chromium` (scripts/test.sh does, as root)"
    if os.environ.get("FLERPART_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
async def chromium_page() -> AsyncIterator[Page]:
    """A fresh page on a phone-sized screen in headless Debian Chromium."""
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
            yield await context.new_page()
        finally:
            await browser.close()


def artifact(name: str) -> Path:
    """Where to write a screenshot: tests/artifacts/<name> (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]", "_", name)
