"""/dashboard, /status and the daily digest through PTB and the Telegram stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.process import FlerpartProcess
from flows.followup import digest
from storage.message_models import OutboxMessage
from storage.models import ActionItem, Meeting, StaffUser, Team
from tests.chat_driver import Chat
from tests.conftest import local_process
from tests.dashboard_seed import NOW, World, login_form_value, seed

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path) as running:
        yield running


@pytest.fixture
async def world(process) -> World:
    return await seed()


async def test_dashboard_sends_a_login_link_that_opens_the_dashboard(process, world):
    chat = Chat(process, world.cora.telegram_user_id)
    reply = await chat.send("/dashboard", expect="/dashboard/login/")
    url = next(word for word in reply[-1]["text"].split() if "/dashboard/login/" in word)
    assert url.startswith(process.local_url)
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        csrf = await login_form_value(http, url)
        async with http.post(url, data={"csrf": csrf}) as response:
            assert response.status == 200 and "Needs attention" in await response.text()


async def test_status_gives_a_coordinator_the_counts_top_items_and_link(process, world):
    chat = Chat(process, world.cora.telegram_user_id)
    reply = (await chat.send("/status", expect="Needs attention"))[-1]["text"]
    assert "1 meeting: the information did not reach someone" in reply
    assert f"meeting {world.upcoming.id}" in reply
    assert f"{process.local_url}/dashboard" in reply


async def test_status_is_not_for_convenors_nor_strangers(process, world):
    karin = Chat(process, world.karin.telegram_user_id)
    await karin.send("/status", expect="/status is for coordinators")
    stranger = Chat(process, 999_999, language_code="en")
    await stranger.send("/status", expect="only for invited staff")
    await stranger.send("/dashboard", expect="only for invited staff")


async def test_the_digest_goes_at_eight_on_working_days_once_and_only_when_needed(process, world):
    url = "http://x/dashboard"
    saturday = datetime(2027, 3, 13, 9, 0, tzinfo=STOCKHOLM)
    tuesday_early = datetime(2027, 3, 9, 7, 59, tzinfo=STOCKHOLM)
    assert await digest.queue_digests(saturday, url) == 0
    assert await digest.queue_digests(tuesday_early, url) == 0
    assert await digest.queue_digests(NOW, url) == 1  # Cora; Syd has nothing
    assert await digest.queue_digests(NOW + timedelta(hours=1), url) == 0
    row = await OutboxMessage.get(kind="digest")
    assert row.staff_user_id == world.cora.id and "Needs attention" in row.params["text"]


async def test_a_helsinki_teams_digest_goes_at_eight_helsinki_time(process, world):
    await Team.filter(name="Nord").update(timezone="Europe/Helsinki")
    helsinki = ZoneInfo("Europe/Helsinki")
    url = "http://x/dashboard"
    assert await digest.queue_digests(datetime(2027, 3, 9, 7, 59, tzinfo=helsinki), url) == 0
    # 07:00 in Stockholm, where the digest would wait another hour.
    assert await digest.queue_digests(datetime(2027, 3, 9, 8, 0, tzinfo=helsinki), url) == 1
    assert (await OutboxMessage.get(kind="digest")).staff_user_id == world.cora.id


async def test_no_digest_when_all_is_well(process, world):
    await Meeting.all().delete()
    await ActionItem.all().delete()
    assert await digest.queue_digests(NOW, "http://x/dashboard") == 0
    assert not await OutboxMessage.filter(kind="digest").exists()


async def test_the_digest_job_delivers_it_by_telegram(process, world):
    await StaffUser.filter(id=world.syd.id).update(active=False)
    chat = Chat(process, world.cora.telegram_user_id)
    await chat.send("/help", expect="MötesFokus")  # a chat the bot may write to
    job = process.services.telegram.job_queue.get_jobs_by_name("coordinator-digest")[0]
    await job.run(process.services.telegram)
    assert "Good morning" in await chat.wait_for("Good morning")
