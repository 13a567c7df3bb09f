"""The information follows the person's language (issue 12, item 4).

The convenor writes in their language; a person who reads another one is asked for in
`/new` (purpose) and `/after` (decisions). Skipped, the text says plainly which language
the convenor's words are in. No heading without content, and no translated system text
in the database: the person in focus's "why" is worded at render time.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from tortoise.migrations.api import migrate

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.core.i18n import _, use_locale
from flows.participants import info_page
from flows.participants.templates import render
from storage.db import apply_migrations, tortoise_config
from storage.message_models import OutboxMessage
from storage.models import (
    ActionItem,
    Agency,
    Attendee,
    AttendeeRole,
    Channel,
    Meeting,
    MeetingStatus,
    Note,
    NoteKind,
    Person,
    StaffUser,
)
from tests.chat_driver import Chat
from tests.conftest import local_process
from tests.factories import convenor, page_token

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)
KARIN = 1201
SV_PURPOSE = "Vi gör en plan för ditt jobb."
EN_PURPOSE = "We make a plan for your work."
SARA = "+46701740605"


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    clock.set(MONDAY_9)
    async with local_process(tmp_path) as running:
        await convenor(KARIN)  # writes Swedish
        yield running


async def prepare_for_sara(chat: Chat, purpose_for_sara: str | None) -> None:
    """A Swedish convenor, an English-speaking person, nobody else."""
    await chat.send("/new", expect="Vad är mötet till för?")
    await chat.send(SV_PURPOSE, expect="Vilket slags möte")
    await chat.tap("Första mötet")
    await chat.send("imorgon 10", expect="Jag förstod")
    await chat.tap("Ja")
    await chat.tap("60 min")
    await chat.send("Kommunhuset, rum Ekan", expect="Vem handlar mötet om?")
    await chat.send("Sara", expect="På vilket språk")
    await chat.tap("English")
    await chat.wait_for("Sara får meddelanden på engelska. Skriv syftet på engelska också.")
    if purpose_for_sara is None:
        await chat.tap("Hoppa över")
    else:
        await chat.send(purpose_for_sara, expect="Behövs tolk")
    await chat.tap("Nej")  # no interpreter
    await chat.tap("sms")
    await chat.send("070-174 06 05", expect="sagt ja till")
    await chat.tap("Ja, registrera det nu")
    await chat.tap("Inga fler deltagare")
    await chat.tap("Fortsätt ändå")  # no referrer: fine here
    await chat.tap("Mötets kort")
    await chat.tap("Skicka information")


async def test_a_swedish_convenor_is_asked_for_the_purpose_in_english_and_sara_gets_it(process):
    chat = Chat(process, KARIN)
    await prepare_for_sara(chat, EN_PURPOSE)
    [sms] = await process.services.twilio_standin.wait_for_sent(1)
    assert sms["to"] == SARA
    text = sms["body"]
    assert f"Why we meet: {EN_PURPOSE}" in text
    assert SV_PURPOSE not in text
    assert "Who comes" not in text  # nobody else comes: no heading
    assert not re.search(r"[åäöÅÄÖ]", text.split("Read more")[0]), text  # no Swedish words

    # Nothing translated is stored: Sara's own line is worded when shown.
    sara = await Attendee.get(role=AttendeeRole.PERSON_IN_FOCUS)
    assert sara.why == ""
    page = await _page(process, await Meeting.get(), "en")
    assert "It is your meeting." in page and "Det är ditt möte" not in page
    assert EN_PURPOSE in page and SV_PURPOSE not in page


async def test_a_skipped_purpose_reaches_sara_marked_as_swedish(process):
    chat = Chat(process, KARIN)
    await prepare_for_sara(chat, None)
    [sms] = await process.services.twilio_standin.wait_for_sent(1)
    assert f"Why we meet (in Swedish): {SV_PURPOSE}" in sms["body"]
    page = await _page(process, await Meeting.get(), "en")
    assert "(in Swedish)" in page and SV_PURPOSE in page


async def _page(process: FlerpartProcess, meeting: Meeting, lang: str) -> str:
    url = f"{process.local_url}/i/{await page_token(meeting)}?lang={lang}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        return await response.text()


# Rendering against the database ---------------------------------------------------------


async def a_meeting(reader: str, *, others: bool = True, whys: bool = True) -> Meeting:
    karin = await convenor(KARIN)
    starts = datetime(2027, 3, 3, 9, 30, tzinfo=STOCKHOLM)
    meeting = await Meeting.create(
        team_id=karin.team_id,
        convenor=karin,
        timezone="Europe/Stockholm",
        purpose=SV_PURPOSE,
        language="sv",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        place="Kommunhuset",
        status=MeetingStatus.HELD,
        feedback_due=date(2027, 3, 10),
    )
    sara = await Person.create(
        team_id=karin.team_id, first_name="Sara", phone=SARA, language=reader
    )
    await Attendee.create(meeting=meeting, person=sara, role=AttendeeRole.PERSON_IN_FOCUS)
    if others:
        lena = await Attendee.create(
            meeting=meeting,
            staff_user=karin,
            role=AttendeeRole.AGENCY_STAFF,
            agency=Agency.ARBETSFORMEDLINGEN,
            why="Hjälper dig att hitta jobb." if whys else "",
        )
        await ActionItem.create(
            meeting=meeting, what="Boka ett besök.", owner=lena, due=date(2027, 3, 17)
        )
    await Note.create(meeting=meeting, kind=NoteKind.DECISION, text="Du börjar i april.")
    return meeting


async def as_sara_gets_it(meeting: Meeting, template: str) -> str:
    sara = await Person.get(first_name="Sara")
    message = OutboxMessage(
        meeting=meeting,
        person=sara,
        channel=Channel.SMS,
        template=template,
        locale=sara.language,
        params={},
    )
    return await render(message, meeting)


async def test_decisions_and_plan_not_in_the_readers_language_say_so(db):
    meeting = await a_meeting("en")
    summary = await as_sara_gets_it(meeting, "after_summary")
    assert "We decided (in Swedish): Du börjar i april." in summary
    assert "(in Swedish): Boka ett besök." in summary
    info = await as_sara_gets_it(meeting, "info_participant")
    assert f"Why we meet (in Swedish): {SV_PURPOSE}" in info
    assert "Hjälper dig" not in info  # the Swedish "why"s stay on the page, marked there
    assert "Who comes: Karin (Arbetsförmedlingen)." in info


async def test_decisions_given_in_the_readers_language_replace_the_swedish(db):
    meeting = await a_meeting("en")
    meeting.person_texts = {
        "purpose": {"en": EN_PURPOSE},
        "decisions": {"en": "You start in April."},
    }
    await meeting.save()
    summary = await as_sara_gets_it(meeting, "after_summary")
    assert "We decided: You start in April." in summary and "Du börjar" not in summary
    info = await as_sara_gets_it(meeting, "info_participant")
    assert f"Why we meet: {EN_PURPOSE}" in info and SV_PURPOSE not in info


async def test_a_swedish_reader_gets_the_convenors_words_unmarked(db):
    meeting = await a_meeting("sv")
    summary = await as_sara_gets_it(meeting, "after_summary")
    assert "Vi bestämde: Du börjar i april." in summary and "(på " not in summary
    info = await as_sara_gets_it(meeting, "info_participant")
    assert "Karin (Arbetsförmedlingen): Hjälper dig att hitta jobb." in info


@pytest.mark.parametrize("reader", ["sv", "en", "ar"])
async def test_no_heading_without_people_under_it(db, reader):
    meeting = await a_meeting(reader, others=False)
    info = await as_sara_gets_it(meeting, "info_participant")
    for heading in ("Who comes", "Vilka som kommer", "من سيحضر"):
        assert heading not in info, info
    view = await info_page.info_for(await page_token(meeting), MONDAY_9, reader)
    assert isinstance(view, info_page.InfoView)
    with use_locale(reader):
        lines = info_page._description(view).splitlines()
    for heading in (_("Why we meet"), _("Who comes, and why"), _("Who comes")):
        if heading in lines:  # a heading on the page always has a line under it
            assert lines[lines.index(heading) + 1].strip(), lines


async def test_attendees_without_a_why_are_listed_under_who_comes(db):
    meeting = await a_meeting("sv", whys=False)
    info = await as_sara_gets_it(meeting, "info_participant")
    assert "Vilka som kommer: Karin (Arbetsförmedlingen)." in info
    assert "och varför" not in info


async def test_the_arabic_page_has_no_swedish_system_text(db):
    meeting = await a_meeting("ar")
    view = await info_page.info_for(await page_token(meeting), MONDAY_9, "ar")
    assert isinstance(view, info_page.InfoView)
    sara = next(line for line in view.attendees if line.name == "Sara")
    assert sara.why == "إنه اجتماعك." and sara.why_note == ""
    karin = next(line for line in view.attendees if line.name == "Karin")
    assert karin.why_note == "(باللغة السويدية)"  # the convenor's words, marked
    assert view.purpose_note == "(باللغة السويدية)"


async def test_the_new_flow_stores_no_translated_text_for_the_person(db):
    from flows.core.dialog import Answer
    from flows.meetings.meeting_form import MeetingForm
    from storage.models import ConversationState

    karin = await StaffUser.get_or_none(telegram_user_id=KARIN) or await convenor(KARIN)
    state = await ConversationState.create(staff_user=karin)
    form = MeetingForm(karin, state, None)
    await form.take("purpose", Answer(text=SV_PURPOSE))
    await form.take("person_name", Answer(text="Sara"))
    attendee = await Attendee.get(role=AttendeeRole.PERSON_IN_FOCUS)
    assert attendee.why == ""
    assert (await Meeting.get()).language == "sv"


# The migration ---------------------------------------------------------------------------


async def test_the_migration_turns_stored_system_whys_into_none(tmp_path):
    url = f"sqlite://{tmp_path}/old.sqlite3"
    await apply_migrations(url)  # makes the directory; then back to before 0006
    await migrate(config=tortoise_config(url), target="models.0005_info_tokens")
    from tortoise import connections

    await connections.close_all()
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        team = _insert(con, "team", name="T")
        staff = _insert(con, "staffuser", team_id=team, language="en", role="convenor")
        meeting = _insert(con, "meeting", team_id=team, convenor_id=staff)
        for why, role in (
            ("Det är ditt möte.", "person_in_focus"),
            ("It is your meeting.", "person_in_focus"),
            ("Det är ditt möte.", "relative"),  # someone's own words: kept
            ("Hjälper dig.", "agency_staff"),
        ):
            _insert(con, "attendee", meeting_id=meeting, why=why, role=role)
    await apply_migrations(url)
    with sqlite3.connect(path) as con:
        whys = con.execute("SELECT why FROM attendee ORDER BY id").fetchall()
        language = con.execute("SELECT language FROM meeting").fetchone()[0]
    assert [w for (w,) in whys] == ["", "", "Det är ditt möte.", "Hjälper dig."]
    assert language == "en"  # the convenor's language


def _insert(con: sqlite3.Connection, table: str, **values: object) -> int:
    """A row with `values`, every other required column filled with something plain."""
    for _cid, name, kind, notnull, default, pk in con.execute(f"PRAGMA table_info({table})"):
        if name in values or pk or not notnull or default is not None:
            continue
        kind = kind.upper()
        values[name] = (
            0
            if "INT" in kind or "BOOL" in kind
            else "2027-01-01T00:00:00+00:00"
            if "TIMESTAMP" in kind or "DATE" in kind
            else "{}"
            if "JSON" in kind
            else "x"
        )
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = con.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
    return int(cursor.lastrowid or 0)


async def test_editing_the_purpose_drops_the_stale_version_and_asks_again(db):
    from flows.core.dialog import Answer, Finish, Next
    from flows.meetings.meeting_form import MeetingForm
    from storage.models import ConversationState

    meeting = await a_meeting("en")
    meeting.person_texts = {"purpose": {"en": EN_PURPOSE}}
    await meeting.save()
    karin = await StaffUser.get(telegram_user_id=KARIN)
    state = await ConversationState.create(staff_user=karin, draft={"editing": True})
    form = MeetingForm(karin, state, meeting)
    outcome = await form.take("purpose", Answer(text="Vi pratar om pengar."))
    assert isinstance(outcome, Next) and outcome.step == "purpose_for_person"
    assert (await Meeting.get(id=meeting.id)).person_texts.get("purpose") is None
    asked = await form.ask_purpose_for_person()
    assert "Sara får meddelanden på engelska" in asked.text
    outcome = await form.take("purpose_for_person", Answer(text="We talk about money."))
    assert isinstance(outcome, Finish)
    stored = await Meeting.get(id=meeting.id)
    assert stored.person_texts["purpose"] == {"en": "We talk about money."}


async def test_retention_removes_the_words_given_in_the_persons_language(db):
    from flows.care import retention

    meeting = await a_meeting("en")
    meeting.person_texts = {"purpose": {"en": EN_PURPOSE}, "decisions": {"en": "In April."}}
    await meeting.save()
    await retention._anonymise_meeting(meeting.id, MONDAY_9)
    assert not (await Meeting.get(id=meeting.id)).person_texts
