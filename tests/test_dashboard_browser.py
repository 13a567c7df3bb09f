"""The dashboard in a real Chromium: login by link, the attention list, a timeline, a
chart, a CSV download, and a convenor refused another convenor's meeting by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.staff import web_auth
from storage.models import StaffUser
from tests.browser import artifact, chromium_page  # noqa: F401 - a fixture
from tests.conftest import local_process
from tests.dashboard_seed import World, seed


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path) as running:
        yield running


async def log_in(page, process: FlerpartProcess, staff: StaffUser) -> None:
    token = await web_auth.create_login_link(staff, clock.now())
    await page.goto(f"{process.local_url}/dashboard/login/{token}?lang=en")
    await page.click("#login")
    await page.wait_for_url(f"{process.local_url}/dashboard")


async def test_a_coordinator_logs_in_and_follows_up(process, chromium_page):  # noqa: F811
    page = chromium_page
    world: World = await seed()
    await log_in(page, process, world.cora)
    await page.goto(f"{process.local_url}/dashboard?lang=en")
    assert await page.locator("#concern-info_failed").is_visible()
    await page.screenshot(path=artifact("dashboard_attention.png"), full_page=True)
    await page.click(f"#concern-info_failed a[href*='/dashboard/meetings/{world.upcoming.id}']")
    assert "failed (21211)" in await page.locator("#timeline").inner_text()
    await page.screenshot(path=artifact("dashboard_timeline.png"), full_page=True)
    await page.goto(f"{process.local_url}/dashboard/survey?lang=en&from=2027-01-01")
    chart = page.locator("svg.chart").first
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 80
    assert await page.locator("svg.chart rect").count() > 3
    await page.screenshot(path=artifact("dashboard_survey.png"), full_page=True)
    await page.goto(f"{process.local_url}/dashboard/meetings?lang=en")
    async with page.expect_download() as info:
        await page.click("#export-meetings")
    download = await info.value
    saved = artifact("meetings.csv")
    await download.save_as(saved)
    assert saved.read_text(encoding="utf-8-sig").startswith("meeting_id,starts_at,status")


async def test_a_convenor_cannot_open_another_convenors_meeting_by_url(process, chromium_page):  # noqa: F811
    page = chromium_page
    world = await seed()
    await log_in(page, process, world.karin)
    response = await page.goto(f"{process.local_url}/dashboard/meetings/{world.other.id}?lang=en")
    assert response is not None and response.status == 404
    assert "Meeting not found" in await page.inner_text("h1")
    await page.screenshot(path=artifact("dashboard_not_yours.png"))


PAGES = (
    "/dashboard",
    "/dashboard/meetings",
    "/dashboard/survey?from=2027-01-01",
    "/dashboard/outcomes",
)


@pytest.mark.parametrize("width", [375, 1280])
async def test_the_dashboard_is_styled_and_fits_a_phone_and_a_desk(process, chromium_page, width):  # noqa: F811
    """Every page takes its look from the one stylesheet, within the CSP (no violation is
    logged), and nothing is wider than the screen at 375 px; screenshots are kept."""
    page = chromium_page
    await page.set_viewport_size({"width": width, "height": 900})
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    world = await seed()
    await log_in(page, process, world.cora)
    paths = [*PAGES, f"/dashboard/meetings/{world.upcoming.id}"]
    for path in paths:
        joiner = "&" if "?" in path else "?"
        await page.goto(f"{process.local_url}{path}{joiner}lang=en")
        styled = await page.evaluate("getComputedStyle(document.querySelector('nav a')).fontWeight")
        assert styled == "600", f"{path}: the stylesheet did not apply"
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path}: {overflow} px wider than a {width} px screen"
        name = path.strip("/").split("?")[0].replace("/", "_")
        await page.screenshot(path=artifact(f"styled_{name}_{width}.png"), full_page=True)
    assert not [text for text in refused if "Content Security Policy" in text], refused


async def test_a_meeting_timeline_prints_without_navigation(process, chromium_page):  # noqa: F811
    page = chromium_page
    world = await seed()
    await log_in(page, process, world.cora)
    await page.goto(f"{process.local_url}/dashboard/meetings/{world.upcoming.id}?lang=en")
    assert await page.locator("header").is_visible()
    await page.emulate_media(media="print")
    assert not await page.locator("header").is_visible()
    assert await page.locator("#timeline").is_visible()
    await page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    await page.screenshot(path=artifact("styled_timeline_print.png"), full_page=True)
