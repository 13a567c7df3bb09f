"""The participant page /i/<token> and its .ics, through the running process over HTTP,
on both databases; one test looks at it in a real Chromium."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from icalendar import Calendar

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.participants import info_page, templates
from storage.message_models import OutboxMessage
from storage.models import (
    Agency,
    Attendee,
    AttendeeRole,
    Channel,
    InfoLink,
    Meeting,
    MeetingStatus,
    Person,
)
from tests.browser import artifact, chromium_page  # noqa: F401 - a fixture
from tests.conftest import local_process, truncate_postgres
from tests.factories import convenor, meeting_with_attendees, page_token

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_10 = datetime(2027, 3, 8, 10, 0, tzinfo=STOCKHOLM)  # 09:00 UTC (winter time)
A_WEEK_BEFORE = MONDAY_10 - timedelta(days=7)
PHONES = ("+46701740605", "+46701740606")
PHONE_DIGITS = re.compile(r"\+?46\s?70|0701740")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def process(request, tmp_path) -> AsyncIterator[FlerpartProcess]:
    env: dict[str, str] = {}
    if request.param == "postgres":
        env["DATABASE_URL"] = request.getfixturevalue("postgres_url")
        await truncate_postgres(env["DATABASE_URL"])
    async with local_process(tmp_path, **env) as running:
        clock.set(A_WEEK_BEFORE)
        yield running


@pytest.fixture
def a_week_before(db) -> None:
    """The database alone, a week before the meeting: for what needs no page served."""
    clock.set(A_WEEK_BEFORE)


async def a_meeting(**changes: object) -> Meeting:
    """Karin convenes; Amina (in focus), Erik (her support) and Johan from AF attend."""
    karin = await convenor(501)
    johan = await convenor(502)
    johan.display_name = "Johan Lind"
    await johan.save()
    meeting = await meeting_with_attendees(MONDAY_10, karin, phones=PHONES, staff_attendee=johan)
    if changes:
        await meeting.update_from_dict(changes).save()
    return meeting


async def fetch(process: FlerpartProcess, path: str) -> tuple[int, str, aiohttp.ClientResponse]:
    async with aiohttp.ClientSession() as http, http.get(process.local_url + path) as response:
        return response.status, await response.text(), response


async def page_of(process: FlerpartProcess, meeting: Meeting, query: str = "") -> str:
    status, html, _ = await fetch(process, f"/i/{await page_token(meeting)}{query}")
    assert status == 200, html
    return html


def text_of(html: str) -> str:
    """The page's words: no style, inline tags dropped, others a space, white space folded."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"</?(strong|a|bdi)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_page_shows_purpose_time_place_who_comes_and_whom_to_ask_without_phones(process):
    meeting = await a_meeting()
    html = await page_of(process, meeting)
    text = text_of(html)
    assert '<html lang="sv" dir="ltr">' in html
    assert "Vi gör en plan för hösten." in text
    assert "måndag 8 mars" in text and "10:00" in text and "11:00" in text  # Stockholm time
    assert "Kommunhuset, rum Ekan" in text
    assert "Amina" in text and "Det är ditt möte." in text
    assert "Erik" in text and "Stöd till Amina." in text
    assert "Johan, Arbetsförmedlingen: Hjälper med jobb." in text
    assert "Lind" not in text  # first names only
    assert "Karin" in text  # whom to ask
    assert not PHONE_DIGITS.search(html)


async def test_english_and_arabic_pages_follow_the_lang_parameter(process):
    meeting = await a_meeting()
    english = text_of(await page_of(process, meeting, "?lang=en"))
    assert "Monday 8 March" in english and "10:00" in english
    assert "Why we meet" in english and "Reply YES if you are coming." in english
    arabic = await page_of(process, meeting, "?lang=ar")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "مارس" in arabic  # the date in Arabic
    for fact in ("10:00", "Kommunhuset, rum Ekan", "Amina", "Johan", "Karin"):
        assert fact in arabic


async def test_an_unknown_language_gets_the_swedish_page(process):
    meeting = await a_meeting()
    html = await page_of(process, meeting, "?lang=xx")
    assert '<html lang="sv" dir="ltr">' in html and "måndag 8 mars" in html


async def test_each_attendee_gets_a_key_of_their_own_and_only_its_hash_is_stored(process):
    meeting = await a_meeting()
    amina, erik, johan = await Attendee.filter(meeting=meeting).order_by("id")
    tokens = [await page_token(meeting, seat) for seat in (amina, erik, johan)]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", token) for token in tokens)
    assert len(set(tokens)) == 3  # nobody shares a key
    links = await InfoLink.filter(meeting=meeting).order_by("id")
    assert [link.attendee_id for link in links] == [amina.id, erik.id, johan.id]
    stored = " ".join(link.token_hash for link in links)
    assert not any(token in stored for token in tokens)
    assert [link.token_hash for link in links] == [info_page.hash_token(t) for t in tokens]
    for seat, token in zip((amina, erik, johan), tokens, strict=True):
        view = await info_page.info_for(token, clock.now(), "sv")
        assert isinstance(view, info_page.InfoView)
        assert view.meeting_id == meeting.id and view.attendee_id == seat.id
        assert "Kommunhuset, rum Ekan" in await page_of_token(process, token)


async def test_a_new_key_leaves_the_ones_already_sent_working(process):
    meeting = await a_meeting()
    first = await page_token(meeting)
    second = await page_token(meeting)  # the information sent again, or a preview
    assert first != second
    for token in (first, second):
        assert (await fetch(process, f"/i/{token}"))[0] == 200


async def test_the_information_sms_carries_each_persons_own_link(a_week_before):
    meeting = await a_meeting()
    amina, erik, _ = await Attendee.filter(meeting=meeting).order_by("id")
    texts = []
    for seat in (amina, erik):
        person = await seat.person
        message = OutboxMessage(
            meeting=meeting,
            person=person,
            channel=Channel.SMS,
            template="info_participant",
            locale="sv",
            params={"attendee_id": seat.id},
        )
        texts.append(await templates.render(message, meeting))
    links = [re.search(r"/i/([A-Za-z0-9_-]+)", text).group(1) for text in texts]
    assert links[0] != links[1]
    owners = [
        (await InfoLink.get(token_hash=info_page.hash_token(token))).attendee_id for token in links
    ]
    assert owners == [amina.id, erik.id]


async def page_of_token(process: FlerpartProcess, token: str) -> str:
    status, html, _ = await fetch(process, f"/i/{token}")
    assert status == 200, html
    return html


async def test_an_unknown_token_is_a_404_page(process):
    await a_meeting()
    status, html, response = await fetch(process, "/i/" + "A" * 32)
    assert status == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert "<html" in html and "Kommunhuset" not in html


class Watched:
    """Stands in for a model inside flows.participants.info_page and counts its use."""

    def __init__(self, model: type) -> None:
        self.model = model
        self.used = 0

    def __getattr__(self, name: str) -> object:
        self.used += 1
        return getattr(self.model, name)


@pytest.mark.parametrize("token", ["short", "has%20space", "x" * 65, "bad!token-but-long-enough"])
async def test_a_malformed_token_is_a_404_without_asking_the_database(process, monkeypatch, token):
    watched = Watched(InfoLink)
    monkeypatch.setattr(info_page, "InfoLink", watched)
    status, _, _ = await fetch(process, f"/i/{token}")
    assert status == 404
    status, _, _ = await fetch(process, f"/i/{token}.ics")
    assert status == 404
    assert watched.used == 0
    status, _, _ = await fetch(process, "/i/" + "A" * 32)  # well formed: looked up
    assert status == 404 and watched.used > 0


async def test_a_cancelled_meeting_page_is_gone(process):
    meeting = await a_meeting()
    token = await page_token(meeting)
    meeting.status = MeetingStatus.CANCELLED
    await meeting.save()
    for path in (f"/i/{token}", f"/i/{token}.ics"):
        status, html, _ = await fetch(process, path)
        assert status == 410
        assert "Kommunhuset" not in html


async def test_the_page_is_gone_once_the_meeting_has_ended(process):
    meeting = await a_meeting()
    token = await page_token(meeting)
    clock.set(MONDAY_10 + timedelta(minutes=59))
    assert (await fetch(process, f"/i/{token}"))[0] == 200
    clock.set(MONDAY_10 + timedelta(hours=1))
    assert (await fetch(process, f"/i/{token}"))[0] == 410


async def test_without_an_end_time_the_page_lasts_two_hours_from_the_start(process):
    meeting = await a_meeting(ends_at=None)
    token = await page_token(meeting)
    clock.set(MONDAY_10 + timedelta(hours=1, minutes=59))
    assert (await fetch(process, f"/i/{token}"))[0] == 200
    clock.set(MONDAY_10 + timedelta(hours=2))
    assert (await fetch(process, f"/i/{token}"))[0] == 410


async def test_markup_in_purpose_and_why_is_shown_as_text(process):
    meeting = await a_meeting(purpose="<script>alert(1)</script> Plan & mål")
    await Attendee.filter(meeting=meeting).update(why="<b>bold</b> <img src=x>")
    html = await page_of(process, meeting)
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Plan &amp; mål" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


async def test_a_video_link_is_a_link_and_other_schemes_are_text(process):
    meeting = await a_meeting(place="https://meet.example.se/abc?x=1&y=2")
    html = await page_of(process, meeting)
    assert '<a href="https://meet.example.se/abc?x=1&amp;y=2"' in html
    await Meeting.filter(id=meeting.id).update(place="javascript:alert(1)")
    html = await page_of(process, meeting)
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


async def test_the_page_tells_browsers_to_keep_and_run_nothing(process):
    meeting = await a_meeting()
    token = await page_token(meeting)
    for path in (f"/i/{token}", f"/i/{token}.ics", "/i/unknown"):
        _, _, response = await fetch(process, path)
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"]
        assert response.headers["Referrer-Policy"] == "no-referrer"
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp


async def test_the_calendar_file_has_the_meeting_in_utc_and_its_place(process):
    meeting = await a_meeting()
    token = await page_token(meeting)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{process.local_url}/i/{token}.ics?lang=en") as response,
    ):
        assert response.status == 200
        assert response.content_type == "text/calendar"
        assert 'filename="meeting.ics"' in response.headers["Content-Disposition"]
        body = await response.read()
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
    assert event.decoded("dtend").astimezone(UTC) == datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
    assert str(event["location"]) == "Kommunhuset, rum Ekan"
    assert str(event["uid"]) == f"meeting-{meeting.id}@flerpart"
    description = str(event["description"])
    assert "Vi gör en plan för hösten." in description
    assert "Johan, Arbetsförmedlingen: Hjälper med jobb." in description
    assert "Karin" in description
    assert not PHONE_DIGITS.search(body.decode())


async def test_an_erased_person_is_left_out_of_who_comes(process):
    meeting = await a_meeting()
    erik = await Person.get(first_name="Erik")
    await Attendee.filter(meeting=meeting, person=erik).update(person_id=None)
    text = text_of(await page_of(process, meeting))
    assert "Erik" not in text and "Amina" in text


async def test_without_a_convenor_the_page_says_we_read_the_replies(process):
    meeting = await a_meeting()
    await Meeting.filter(id=meeting.id).update(convenor_id=None)
    html = await page_of(process, meeting, "?lang=en")
    assert "Reply to the SMS and we read it." in html and "Karin" not in html


async def test_a_person_sees_the_page_in_chromium(process, chromium_page):  # noqa: F811
    meeting = await a_meeting()
    await Attendee.create(
        meeting=meeting, role=AttendeeRole.AGENCY_STAFF, agency=Agency.FORSAKRINGSKASSAN
    )
    token = await page_token(meeting)
    response = await chromium_page.goto(f"{process.local_url}/i/{token}")
    assert response is not None and response.status == 200
    visible = await chromium_page.locator("body").inner_text()
    for fact in ("Vi gör en plan för hösten.", "måndag 8 mars", "Kommunhuset, rum Ekan"):
        assert fact in visible
    assert "Johan, Arbetsförmedlingen: Hjälper med jobb." in visible
    assert await chromium_page.locator("#attendees li").count() == 3  # the unnamed seat is left out
    await chromium_page.screenshot(path=str(artifact("info_page_sv.png")), full_page=True)
    await chromium_page.goto(f"{process.local_url}/i/{token}?lang=ar")
    assert await chromium_page.locator("html").get_attribute("dir") == "rtl"
    assert "Kommunhuset, rum Ekan" in await chromium_page.locator("#place").inner_text()
    await chromium_page.screenshot(path=str(artifact("info_page_ar.png")), full_page=True)
