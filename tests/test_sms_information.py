"""Issue 12, items 1, 2 and 6 through the Telegram and Twilio stand-ins: a convenor
prepares a meeting for محمد by /new; invisible characters typed into a name are not
stored; the person's number given again for an attendee (in another format) is
refused; the preview tells the parts and the encoding and makes typographic
characters plain at a tap; the SMS that reaches the phone holds the purpose, who
comes and "bring someone, take breaks". Then replies from one number with two
upcoming meetings: each goes to the nearest unanswered one, and says its day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.core.i18n import use_locale
from flows.meetings import meeting_card
from flows.participants.sms_parts import sms_parts
from storage.models import Attendee, AttendeeResponse, Meeting, Person
from tests.chat_driver import Chat
from tests.conftest import local_process
from tests.factories import convenor, meeting_with_attendees
from tests.test_convenor_flow import join
from tests.test_participant_texts import realistic_meeting

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)
PERSON = "+46701740605"
PURPOSE = "Vi gör en plan för “nästa steg” – jobb och pengar…"
PLAIN_PURPOSE = 'Vi gör en plan för "nästa steg" - jobb och pengar...'


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    clock.set(MONDAY_9.astimezone(ZoneInfo("UTC")))
    async with local_process(tmp_path, **database_env) as running:
        yield running


async def add_attendee(chat: Chat, name: str, agency: str, role: str, why: str) -> None:
    await chat.send(name, expect="Where does")
    await chat.tap(agency)
    await chat.tap(role)
    await chat.send(why, expect="How do we reach")


async def test_a_meeting_for_mohammed_gets_its_whole_information_by_sms(process):
    chat = await join(process)
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send(PURPOSE, expect="What kind of meeting")
    await chat.tap("Follow-up")
    await chat.send("tomorrow 10", expect="I understood")
    await chat.tap("Yes")
    await chat.tap("60 min")
    await chat.send("Kommunhuset, rum Ekan", expect="Who is the meeting about?")
    await chat.send("محمد\u200f", expect="Which language")
    await chat.tap("Svenska")
    # An English-speaking convenor is asked for the purpose in the person's Swedish too.
    await chat.send(PURPOSE, expect="Is an interpreter needed")
    await chat.tap("No")  # no interpreter
    await chat.tap("SMS")
    await chat.send("070-174 06 05", expect="agreed that we contact them")
    await chat.tap("Yes, record it now")

    # A bidi override and a zero-width space typed into a name are not kept.
    await add_attendee(
        chat, "\u202eLena\u202c\u200b", "Municipality", "referrer", "Lena hjälper dig med pengar."
    )
    # The person's own number, written another way, is not a second person's.
    replies = await chat.send("+46 (0)70 174 06 05", expect="already محمد's")
    assert "Each person needs their own number." in replies[0]["text"]
    await chat.send("070-174 06 07", expect="Added: Lena")
    await chat.tap("Yes, record it now")
    await add_attendee(chat, "Erik", "Region", "agency staff", "Erik vet hur du mår.")
    await chat.send("0701740605", expect="already محمد's")
    await chat.send("070-174 06 08", expect="Added: Erik")
    await chat.tap("Yes, record it now")
    await chat.tap("No more attendees")
    await chat.wait_for("Preparation")

    meeting = await Meeting.get()
    people = await Person.filter(attendances__meeting=meeting).order_by("id")
    assert [(p.first_name, p.phone) for p in people] == [
        ("محمد", PERSON),
        ("Lena", "+46701740607"),
        ("Erik", "+46701740608"),
    ]

    # The preview: parts and encoding, and one tap makes the typographic characters plain.
    await chat.tap("Preview")
    preview = chat.last()
    assert "This is what محمد will get" in preview
    assert "SMS: 3 parts, GSM-7." in preview
    assert "Typographic characters «“» «”» «–» «…»" in preview
    await chat.tap("Make them plain")
    assert (await Meeting.get(id=meeting.id)).purpose == PLAIN_PURPOSE
    assert "Typographic characters" not in chat.last()
    assert "SMS: 3 parts, GSM-7." in chat.last()

    await chat.tap("Send information")
    sent = await process.services.twilio_standin.wait_for_sent(3)
    [info] = [m for m in sent if m["to"] == PERSON]
    text = info["body"]
    assert sms_parts(text).encoding == "GSM-7" and sms_parts(text).parts <= 3, text
    for fact in (
        PLAIN_PURPOSE,
        "tisdag 2 mars",
        "10:00",
        "Kommunhuset, rum Ekan",
        "Lena (Kommunen / socialtjänsten)",
        "Erik (Regionen / vården)",
        "Du får ta med någon",
        "Svara JA",
    ):
        assert fact in text, (fact, text)


async def test_the_card_preview_names_the_characters_that_make_it_ucs2(process):
    chat = await join(process)
    staff = await convenor_of(chat)
    meeting = await meeting_with_attendees(
        MONDAY_9 + timedelta(days=3), staff, phones=(PERSON, "+46701740606")
    )
    await Person.filter(phone="+46701740606").update(first_name="Joaquín")
    await chat.send("/meetings", expect="Your meetings")
    await chat.tap(f"{meeting.id}:")
    await chat.tap("Preview")
    preview = chat.last()
    assert "UCS-2" in preview
    assert "«í» in the name Joaquín" in preview
    assert "Typographic" not in preview


async def convenor_of(chat: Chat):
    from storage.models import StaffUser

    return await StaffUser.get(telegram_user_id=chat.user_id)


async def test_a_reply_goes_to_the_nearest_unanswered_meeting_and_names_its_day(process):
    """Amina is in two upcoming meetings (a row each, as /new and the API make them):
    her first "ja" is for Tuesday's, her second for Friday's; each receipt says the day."""
    staff = await convenor(701)
    process.services.telegram_standin.user_has_started(701)
    friday = await meeting_with_attendees(datetime(2027, 3, 5, 14, tzinfo=STOCKHOLM), staff)
    tuesday = await meeting_with_attendees(datetime(2027, 3, 2, 10, tzinfo=STOCKHOLM), staff)
    twilio = process.services.twilio_standin

    async def sms(text: str) -> str:
        before = len(twilio.transcript(PERSON))
        status, _ = await twilio.send_inbound(PERSON, text)
        assert status == 200
        return (await twilio.wait_for_reply(PERSON, before))["text"]  # by the outbox

    assert "tisdag 2 mars" in await sms("ja!")
    await sms("nej")  # no one with her: the question a yes opens is answered
    assert "fredag 5 mars" in await sms("Ja")
    await sms("nej")
    responses = {a.meeting_id: a.response for a in await Attendee.filter(person__phone=PERSON)}
    assert responses == {
        tuesday.id: AttendeeResponse.CONFIRMED,
        friday.id: AttendeeResponse.CONFIRMED,
    }
    # All answered: a change of mind is for the nearest, and says which day.
    assert "tisdag 2 mars" in await sms("nej")
    declined = await Attendee.get(meeting=tuesday, person__phone=PERSON)
    assert declined.response is AttendeeResponse.DECLINED
    # STOP from the number stops every row that has it.
    await sms("STOPP")
    assert all(p.opted_out for p in await Person.filter(phone=PERSON))


async def test_an_arabic_preview_blames_the_language_not_the_texts(db):
    meeting, _amina = await realistic_meeting("ar")
    with use_locale("en"):
        text = (await meeting_card.preview(meeting)).text
    assert "UCS-2." in text and "Messages in this language are always sent as UCS-2." in text
    assert "These characters" not in text  # Amina, Lena, Johan and the purpose are GSM-7
