"""The simulator page /sim and its demo, through the whole process on both databases:
absent outside local mode, rendered in sv and en, and a whole demo meeting played
in Chromium by clicking and typing on the page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from bot.config import load_settings
from bot.local.standins.telegram_api import TelegramStandIn
from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.outbox.schedule import is_working_day
from flows.simulator.demo import create_demo
from flows.simulator.demo_view import DEMO_CONVENOR_USER_ID, SIM_NAMES
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeResponse,
    Meeting,
    MeetingStatus,
    OutboxStatus,
    StaffUser,
)
from tests.browser import artifact, chromium_page  # noqa: F401 - a fixture
from tests.conftest import eventually, local_process, migrated_sqlite
from tests.sim_driver import SimPage, sim_api

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)  # the demo meeting: Monday 8 March
AMINA = "+46701740605"  # the person in focus of flows/simulator/demo_meeting.json
TOKEN = "1000000002:configured-token"


fetch = sim_api  # with the key the page carries, as the page's own script sends it


@pytest.fixture
async def demo_process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    clock.set(MONDAY_9)
    async with local_process(tmp_path, **database_env) as process:
        await create_demo(STOCKHOLM)
        yield process


@pytest.fixture
async def configured_process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    """Telegram and Twilio both configured: no stand-ins, so no local mode."""
    url = migrated_sqlite(tmp_path)
    telegram = TestServer(TelegramStandIn(TOKEN).app, host="127.0.0.1")
    await telegram.start_server()
    environ = {
        "DATABASE_URL": url,
        "PORT": "0",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": str(telegram.make_url("/bot")),
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "configured-auth-token",
        "TWILIO_FROM": "+46700000001",
        "TELEGRAM_WEBHOOK_SECRET": "configured-secret",
        "PUBLIC_BASE_URL": "https://flerpart.example.se",
    }
    process = FlerpartProcess(load_settings(environ=environ, dotenv=None))
    await process.start()
    try:
        yield process
    finally:
        await process.stop()
        await telegram.close()


@pytest.mark.parametrize(
    "path",
    [
        "/sim",
        "/sim?lang=en",
        "/sim/sim.js",
        "/sim/api/demo",
        "/sim/api/clock",
        f"/_standin/telegram/bot{TOKEN}/getMe",
        "/_standin/twilio/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages/SM1.json",
    ],
)
async def test_the_simulator_does_not_exist_outside_local_mode(configured_process, path):
    assert not configured_process.settings.local_mode
    status, _ = await fetch(configured_process.local_url, path)
    assert status == 404


async def test_the_page_is_swedish_by_default_and_english_on_request(demo_process):
    base = demo_process.local_url
    status, swedish = await fetch(base, "/sim")
    assert status == 200 and '<html lang="sv"' in swedish
    assert 'lang="sv" aria-current="page"' in swedish
    status, english = await fetch(base, "/sim?lang=en")
    assert status == 200 and '<html lang="en"' in english
    assert "Telegram: you are the convenor" in english
    assert "Demo data: the people, phone numbers and meeting are made up." in english
    assert 'href="/dashboard"' in english
    assert '<script src="/sim/sim.js" defer></script>' in english


async def test_the_page_runs_only_its_own_script(demo_process):
    async with aiohttp.ClientSession() as http:
        async with http.get(demo_process.local_url + "/sim") as response:
            policy = response.headers["Content-Security-Policy"]
        async with http.get(demo_process.local_url + "/sim/sim.js") as script:
            assert script.status == 200 and script.content_type == "text/javascript"
    assert "script-src 'self';" in policy and "default-src 'none'" in policy
    assert "unsafe-eval" not in policy


async def test_the_demo_route_names_the_convenor_the_phones_and_the_moments(demo_process):
    status, demo = await fetch(demo_process.local_url, "/sim/api/demo")
    assert status == 200
    assert demo["convenor"] == {"user_id": DEMO_CONVENOR_USER_ID, "joined": False, "name": "Karin"}
    assert demo["team"].startswith("Demo")
    assert [p["name"] for p in demo["participants"]] == ["Amina", "Erik", "Lena", "Johan", "Fatima"]
    assert demo["participants"][0] == {"name": "Amina", "phone": AMINA, "role": "person_in_focus"}
    starts = datetime.fromisoformat(demo["meeting"]["starts_at"]).astimezone(STOCKHOLM)
    assert starts == datetime(2027, 3, 8, 10, 0, tzinfo=STOCKHOLM)  # Saturday moved to Monday
    assert is_working_day(starts.date())
    moments = {k: datetime.fromisoformat(v) for k, v in demo["moments"].items()}
    assert moments == {
        "two_days_before": datetime(2027, 3, 6, 10, 0, tzinfo=STOCKHOLM),
        "day_after": datetime(2027, 3, 9, 9, 0, tzinfo=STOCKHOLM),
        "survey": datetime(2027, 3, 9, 10, 0, tzinfo=STOCKHOLM),
    }


async def join_as_the_demo_convenor(base: str) -> None:
    """What the page does on its first load: a real invitation, then /start."""
    _, demo = await fetch(base, "/sim/api/demo")
    _, invited = await fetch(base, "/sim/api/invite", {"role": "convenor", "team": demo["team"]})
    user = DEMO_CONVENOR_USER_ID
    start = {"text": f"/start {invited['code']}", "language_code": "en"}
    await fetch(base, f"/sim/api/telegram/{user}/message", start)


async def transcript(base: str) -> list[dict]:
    _, entries = await fetch(base, f"/sim/api/telegram/{DEMO_CONVENOR_USER_ID}/transcript")
    return entries


async def test_sim_users_are_greeted_by_their_own_names(demo_process):
    """Through /sim/api with no first_name given: the demo convenor is Karin, another
    invited user gets a made-up name of their own; nobody is "Test"."""
    base = demo_process.local_url
    await join_as_the_demo_convenor(base)
    karin = await eventually(lambda: StaffUser.get_or_none(telegram_user_id=DEMO_CONVENOR_USER_ID))
    assert karin.display_name == "Karin"

    async def welcome() -> list[str]:
        return [e["text"] for e in await transcript(base) if e["text"].startswith("Welcome")]

    [greeting] = await eventually(welcome)
    assert greeting.startswith("Welcome, Karin.")
    _, invited = await fetch(base, "/sim/api/invite", {"role": "coordinator", "team": "Nord"})
    other = 1_000_000_201
    start = {"text": f"/start {invited['code']}", "language_code": "en"}
    await fetch(base, f"/sim/api/telegram/{other}/message", start)
    joined = await eventually(lambda: StaffUser.get_or_none(telegram_user_id=other))
    assert joined.display_name in SIM_NAMES

    async def greeted() -> list[dict]:
        _, entries = await fetch(base, f"/sim/api/telegram/{other}/transcript")
        return [e for e in entries if e["text"].startswith("Welcome")]

    [entry] = await eventually(greeted)
    assert entry["text"].startswith(f"Welcome, {joined.display_name}.")


async def test_moving_the_clock_past_the_meeting_asks_for_the_notes_at_once(demo_process):
    base = demo_process.local_url
    await join_as_the_demo_convenor(base)
    await eventually(lambda: Meeting.exists(is_demo=True, convenor_id__isnull=False))
    await Meeting.filter(is_demo=True).update(info_sent_at=clock.now())  # only those are asked
    _, demo = await fetch(base, "/sim/api/demo")
    assert demo["convenor"]["joined"]
    await fetch(base, "/sim/api/clock", {"set": demo["moments"]["day_after"]})
    # No waiting for the job's next minute: the clock ran it.
    asked = await Meeting.get(is_demo=True)
    assert asked.after_asked_at is not None

    async def has_ended() -> bool:
        return any("has ended" in e["text"] for e in await transcript(base))

    await eventually(has_ended)


async def test_after_a_restart_the_bot_can_still_write_to_the_demo_convenor(tmp_path, database_env):
    clock.set(MONDAY_9)
    async with local_process(tmp_path, **database_env) as process:
        await create_demo(STOCKHOLM)
        await join_as_the_demo_convenor(process.local_url)
        await eventually(lambda: Meeting.exists(is_demo=True, convenor_id__isnull=False))
        await Meeting.filter(is_demo=True).update(info_sent_at=clock.now())
    async with local_process(tmp_path, **database_env) as process:
        clock.advance(timedelta(days=8))  # past the meeting: the bot writes first
        await fetch(process.local_url, "/sim/api/clock", {"advance_seconds": 60})
        [asked] = await process.services.telegram_standin.wait_for_bot_messages(
            DEMO_CONVENOR_USER_ID, 1
        )
    assert "has ended" in asked["text"]


def last_sms_to(process: FlerpartProcess, phone: str) -> str:
    """The first line of what the Twilio stand-in last took for that phone."""
    sent = [m["body"] for m in process.services.twilio_standin.sent if m["to"] == phone]
    return sent[-1].splitlines()[0]


async def close_the_meeting(sim: SimPage) -> None:
    """/after as the bot asks it: held, the person's view, one decision, one action."""
    await sim.tap("After the meeting", expect_reply="How did the meeting go?")
    await sim.tap("It was held", expect_reply="in their own words")
    await sim.say("Jag vill jobba med djur.", expect_reply="(0 so far.)")
    await sim.say("Amina börjar en arbetsträning i april.", expect_reply="(1 so far.)")
    await sim.tap("No more decisions", expect_reply="(0 so far.)")
    await sim.say("Boka ett besök på arbetsplatsen", expect_reply="Who does it?")
    await sim.tap("Erik", expect_reply="By when?")
    await sim.say("2027-03-19", expect_reply="(1 so far.)")
    await sim.tap("No more items", expect_reply="Who gets back to the person")
    await sim.tap("Erik", expect_reply="Tap the default")
    await sim.tap("2027-03-16", expect_reply="Is there a next meeting?")  # 5 working days
    await sim.tap("No", expect_reply="Which step on the ladder", exact=True)
    await sim.tap("4 · Guidance and applying", expect_reply="may we send Amina")
    await sim.tap("Yes, Amina agrees", expect_reply="This is what Amina will get")
    await sim.tap("Send it and plan the survey", expect_reply="The summary is on its way")


async def test_a_newcomer_plays_a_whole_meeting_on_the_page(
    demo_process,
    database_env,
    chromium_page,  # noqa: F811
):
    base = demo_process.local_url
    page = chromium_page
    await page.set_viewport_size({"width": 1400, "height": 1000})
    errors: list[str] = []  # a script error or a CSP refusal shows here
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sim = SimPage(page, "sim_" + ("postgres" if database_env else "sqlite"))
    await page.goto(base + "/sim?lang=en")
    await sim.bot_says("Welcome, Karin")  # the page joined by a real invitation
    await expect(page.locator(".phone")).to_have_count(5)
    await expect(page.locator("#meeting-line")).to_contain_text("being prepared")
    await sim.snapshot("joined")

    # The convenor opens the demo meeting's card and sends the information.
    meeting = await Meeting.get(is_demo=True)
    await sim.say("/meetings", expect_reply="Your meetings:")
    await sim.tap(f"{meeting.id}: Amina", expect_reply=f"Meeting {meeting.id}")
    await sim.tap("Send information", expect_reply="on its way")
    amina = sim.phone(AMINA)
    await expect(amina.locator(".log")).to_contain_text("from flerpart · delivered", timeout=15_000)
    # The number of SMS parts in its plural form, never "part(s)".
    await expect(amina.locator(".log")).to_contain_text(re.compile(r"delivered · \d+ parts? · "))
    await expect(amina.locator(".log")).to_contain_text("Kommunhuset")
    await sim.snapshot("information_sent")

    # Amina confirms from her phone, and says whom she wants with her.
    await sim.sms(AMINA, "JA")
    await sim.sms(AMINA, "Min syster Fatima")
    attendee = await Attendee.get(meeting=meeting, person__phone=AMINA)
    assert attendee.response is AttendeeResponse.CONFIRMED
    await expect(page.locator("#meeting-line")).to_contain_text("information sent")
    await sim.snapshot("amina_confirmed")

    # Two days before: the reminder reaches her phone.
    await sim.jump("2 days before the meeting")
    reminder = await eventually(
        lambda: OutboxMessage.get_or_none(
            kind="reminder", person__phone=AMINA, status=OutboxStatus.DELIVERED
        )
    )
    assert reminder is not None
    await expect(amina.locator(".log")).to_contain_text(last_sms_to(demo_process, AMINA))
    sent = [m["body"] for m in demo_process.services.twilio_standin.sent if m["to"] == AMINA]
    assert "påminnelse" in sent[-1] and "Svara JA" not in sent[-1]  # she said yes already
    await sim.snapshot("reminder")

    # The day after: the bot asks for the notes; the convenor closes the meeting.
    await sim.jump("The day after the meeting")
    await sim.bot_says("has ended")
    await close_the_meeting(sim)
    meeting = await Meeting.get(id=meeting.id)
    assert meeting.status is MeetingStatus.HELD
    assert [item.what for item in await ActionItem.filter(meeting=meeting)] == [
        "Boka ett besök på arbetsplatsen"
    ]
    await sim.snapshot("closed")

    # The next working day at 10:00 the survey comes, and Amina answers it.
    await sim.jump("Survey time")
    survey = await eventually(
        lambda: OutboxMessage.get_or_none(kind="survey", status=OutboxStatus.DELIVERED)
    )
    assert survey is not None
    await expect(amina.locator(".log")).to_contain_text(last_sms_to(demo_process, AMINA))
    for answer in ("Ja", "4", "Ja", "5", "Bra att alla lyssnade."):
        await sim.sms(AMINA, answer)
    answers = {a.question: (a.value, a.text) for a in await SurveyAnswer.filter(meeting=meeting)}
    assert answers == {
        "wish": (None, "Min syster Fatima"),
        "knew_why": (1, None),
        "could_say": (4, None),
        "next_known": (1, None),
        "step": (5, None),
        "other": (None, "Bra att alla lyssnade."),
    }
    await sim.snapshot("survey_answered")

    # The dashboard is linked; /dashboard in the chat logs the convenor in, and there
    # the meeting is.
    await expect(page.locator("#dashboard-link")).to_have_attribute("href", "/dashboard")
    await sim.say("/dashboard", expect_reply="/dashboard/login/")
    async with page.expect_popup() as opened:
        await sim.chat.locator("a[href*='/dashboard/login/']").last.click()
    dashboard = await opened.value
    await dashboard.click("#login")
    await dashboard.goto(base + "/dashboard/meetings?lang=en")
    row = dashboard.locator("#meetings tr", has=dashboard.locator(f"a[href*='/{meeting.id}']"))
    await expect(row).to_contain_text("held")
    await dashboard.screenshot(path=str(artifact(f"{sim.name}_dashboard.png")), full_page=True)
    assert errors == []
