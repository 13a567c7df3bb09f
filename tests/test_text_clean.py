"""Invisible format characters never get in: one cleaning at every input (typed answers,
the JSON API, SMS and Telegram replies), checked for any text with hypothesis and
through the flows; names come out NFC. (Through the stand-ins:
tests/test_sms_information.py.)"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.core.clock import clock
from flows.core.text_clean import clean
from flows.meetings import meeting_intake
from flows.participants.inbound import IncomingSms, process_next, store_sms
from flows.participants.sms_parts import GSM7_BASIC, GSM7_EXTENSION, sms_parts
from storage.message_models import InboundMessage
from storage.models import AttendeeRole, Meeting, Person, Team

MANY = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INVISIBLE = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",  # bidi embeddings and overrides
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",  # bidi isolates
    "\u200b",
    "\u200c",
    "\u200d",  # zero-width space, non-joiner, joiner
    "\u200e",
    "\u200f",  # direction marks
    "\ufeff",  # byte order mark
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
    "\u061c",  # Arabic letter mark
]
# What a GSM-7 name or answer is typed with (a form feed is a control character: dropped).
TYPED_GSM7 = sorted((GSM7_BASIC | GSM7_EXTENSION) - {"\f"})
# Text as it comes in: any character, and a good share of invisible ones and combining marks.
INCOMING = st.one_of(
    st.text(max_size=60),
    st.text(
        alphabet=st.one_of(
            st.sampled_from([*INVISIBLE, "a", "o", "A", "\u0308", "\u030a", "\u0301", "م", " "]),
            st.characters(),
        ),
        max_size=60,
    ),
)


@MANY
@given(text=INCOMING)
def test_cleaned_text_has_no_format_characters_and_is_nfc(text):
    cleaned = clean(text)
    assert not any(unicodedata.category(ch) == "Cf" for ch in cleaned), ascii(cleaned)
    assert unicodedata.is_normalized("NFC", cleaned), ascii(cleaned)
    assert clean(cleaned) == cleaned  # cleaning twice changes nothing


@MANY
@given(
    text=st.text(alphabet=st.sampled_from(TYPED_GSM7), max_size=60),
    marks=st.lists(st.tuples(st.integers(0, 60), st.sampled_from(INVISIBLE)), max_size=5),
)
def test_gsm7_text_with_invisible_marks_comes_back_whole_and_gsm7(text, marks):
    """Only the marks go: a name or an answer typed in GSM-7 letters stays GSM-7."""
    marked = text
    for at, mark in sorted(marks, reverse=True):
        marked = marked[:at] + mark + marked[at:]
    assert clean(marked) == text
    assert sms_parts(clean(marked)).encoding == "GSM-7"


def test_decomposed_letters_become_one_letter():
    assert clean("A\u030asa Mo\u0308ller") == "Åsa Möller"
    assert sms_parts(clean("A\u030asa")).encoding == "GSM-7"


async def test_a_name_with_a_bidi_override_is_stored_clean_from_the_api(db):
    team = await Team.create(name="Nord")
    new = meeting_intake.NewMeeting(
        purpose="\u2066Vi gör en plan.\u2069",
        starts_at=clock.now() + timedelta(days=3),
        place="Kommunhuset\u200b, rum Ekan",
        attendees=(
            meeting_intake.NewAttendee(
                first_name="\u202eAmina\u202c", role=AttendeeRole.PERSON_IN_FOCUS
            ),
            meeting_intake.NewAttendee(
                first_name="Lena\ufeff",
                role=AttendeeRole.AGENCY_STAFF,
                why="Hjälper dig\u00ad att hitta jobb.",
            ),
            meeting_intake.NewAttendee(first_name="\u202e", role=AttendeeRole.RELATIVE),
        ),
    )
    # A name of invisible characters only is no name.
    try:
        await meeting_intake.create(team.id, new, clock.now(), token_id=1)
    except meeting_intake.IntakeError as error:
        assert "first_name" in str(error)
    else:
        raise AssertionError("an invisible name was accepted")
    new = meeting_intake.NewMeeting(**{**new.__dict__, "attendees": new.attendees[:2]})
    meeting = await meeting_intake.create(team.id, new, clock.now(), token_id=1)
    meeting = await Meeting.get(id=meeting.id)
    assert (meeting.purpose, meeting.place) == ("Vi gör en plan.", "Kommunhuset, rum Ekan")
    names = sorted(await Person.all().values_list("first_name", flat=True))
    assert names == ["Amina", "Lena"]
    assert await Meeting.filter(attendees__why="Hjälper dig att hitta jobb.").exists()


async def test_an_sms_reply_is_stored_and_forwarded_clean(db):
    team = await Team.create(name="Nord")
    person = await Person.create(team=team, first_name="Amina", phone="+46701740605")
    await store_sms([IncomingSms("SM1", "+46701740605", "Ja\u200b\u202e tack")])
    assert await process_next()
    stored = await InboundMessage.get(person=person)
    assert stored.body == "Ja tack"
