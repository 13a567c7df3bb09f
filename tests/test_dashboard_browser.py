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
