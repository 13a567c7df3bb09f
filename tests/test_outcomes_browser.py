"""`/dashboard/outcomes` in a real Chromium with figures to show: the step chart and the
outcome bars inline, within the CSP, fitting a 375 px phone and a 1280 px desk.
Screenshots are kept as artifacts (outcomes_375.png, outcomes_1280.png)."""

from __future__ import annotations

import pytest

from tests.browser import artifact, chromium_page  # noqa: F401 - a fixture
from tests.dashboard_seed import seed
from tests.test_dashboard_browser import log_in, process  # noqa: F401 - a fixture
from tests.test_outcomes_dashboard import JOURNEYS, steps_over_meetings


@pytest.mark.parametrize("width", [375, 1280])
async def test_the_outcomes_page_fits_a_phone_and_a_desk(process, chromium_page, width):  # noqa: F811
    page = chromium_page
    await page.set_viewport_size({"width": width, "height": 900})
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    world = await seed()
    await steps_over_meetings(world.karin, JOURNEYS)
    await steps_over_meetings(world.karin, {f"P{i}": (2, 4) for i in range(4)})
    await log_in(page, process, world.cora)
    await page.goto(f"{process.local_url}/dashboard/outcomes?lang=en")
    assert await page.locator("#mean-latest").inner_text() == "4.1"
    charts = page.locator("svg.chart")
    assert await charts.count() == 2  # the steps, what people do now
    box = await charts.first.bounding_box()
    assert box is not None and box["width"] > 200
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow} px wider than a {width} px screen"
    await page.screenshot(path=artifact(f"outcomes_{width}.png"), full_page=True)
    assert not [text for text in refused if "Content Security Policy" in text], refused
