"""A newcomer at the simulator page, through Chromium: typing and clicking only.

Each step waits until the page shows what it should, so the next click finds the
newest buttons; a screenshot per stage goes to tests/artifacts/.

`sim_api` calls the page's JSON API as the page does: with the run's key, which it
reads from the page /sim (the API answers 403 without it).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

import aiohttp
from playwright.async_api import Locator, Page, expect

from tests.browser import artifact

WAIT_MS = 15_000  # the dispatcher paces SMS at 1/s: five of them take five seconds
_TOKEN = re.compile(r'<div id="sim"[^>]* data-token="([^"]*)"')


async def sim_token(http: aiohttp.ClientSession, base: str) -> str:
    """This run's key, as the page /sim carries it ("" where there is no page)."""
    async with http.get(base + "/sim") as response:
        found = _TOKEN.search(await response.text()) if response.status == 200 else None
    return found.group(1) if found else ""


async def sim_api(base: str, path: str, body: dict | None = None) -> tuple[int, object]:
    """GET (or POST `body` as JSON to) base + path with the key; (status, JSON or text)."""
    async with aiohttp.ClientSession() as http:
        headers = {"X-Sim-Token": await sim_token(http, base)}
        if body is None:
            method = http.get(base + path, headers=headers)
        else:
            method = http.post(base + path, json=body, headers=headers)
        async with method as response:
            is_json = response.content_type == "application/json"
            return response.status, await (response.json() if is_json else response.text())


@dataclass
class SimPage:
    page: Page
    name: str  # prefix of the screenshots
    stage: int = 0

    @property
    def chat(self) -> Locator:
        return self.page.locator("#chat-log")

    def phone(self, number: str) -> Locator:
        return self.page.locator(f'.phone[data-phone="{number}"]')

    async def _count(self, words: str) -> int:
        return (await self.chat.inner_text()).count(words)

    async def bot_says(self, words: str, seen_before: int = 0) -> None:
        """Waits until the chat shows `words` more often than before: in a new message
        or in one the bot edited."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while await self._count(words) <= seen_before:
            if time.monotonic() > deadline:
                tail = (await self.chat.inner_text())[-600:]
                raise AssertionError(f"the bot did not say {words!r}; the chat ends: {tail}")
            await asyncio.sleep(0.1)

    async def say(self, text: str, expect_reply: str) -> None:
        seen = await self._count(expect_reply)
        box = self.page.locator("#chat-form input")
        await box.fill(text)
        await box.press("Enter")
        await self.bot_says(expect_reply, seen)

    async def tap(self, label: str, expect_reply: str, exact: bool = False) -> None:
        """Presses the newest button so labelled."""
        seen = await self._count(expect_reply)
        await self.chat.get_by_role("button", name=label, exact=exact).last.click()
        await self.bot_says(expect_reply, seen)

    async def sms(self, number: str, text: str) -> None:
        """Replies from that phone; returns once our answer to it shows."""
        thread = self.phone(number).locator("li.bubble")
        before = await thread.count()
        await self.phone(number).locator("input").fill(text)
        await self.phone(number).get_by_role("button").click()
        await expect(thread).to_have_count(before + 2, timeout=WAIT_MS)  # the SMS, the answer

    async def jump(self, label: str) -> None:
        """Moves the clock to a moment; its button turns off once the moment is here."""
        button = self.page.locator("#clock").get_by_role("button", name=label)
        await button.click()
        await expect(button).to_be_disabled(timeout=WAIT_MS)

    async def snapshot(self, what: str) -> None:
        self.stage += 1
        path = artifact(f"{self.name}_{self.stage}_{what}.png")
        await self.page.screenshot(path=str(path), full_page=True)
