"""Every text a participant reads, rendered with realistic data: plain Swedish (LIX <= 35),
plain English (Flesch-Kincaid grade <= 8), GSM-7 in both, the information in at most
3 SMS parts, and Arabic really translated (sent as UCS-2)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyphen
import pytest

from flows.core.i18n import _, use_locale
from flows.core.lix import lix
from flows.core.meeting_time import when
from flows.participants import survey
from flows.participants.sms_parts import gsm7_safe, sms_parts
from flows.participants.templates import render
from storage.message_models import OutboxMessage
from storage.models import (
    ActionItem,
    Agency,
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    Meeting,
    MeetingStatus,
    Note,
    NoteKind,
    Person,
    StaffRole,
    StaffUser,
    Team,
)

STHLM = ZoneInfo("Europe/Stockholm")
PARTICIPANT_TEMPLATES = (
    "info_participant",
    "reminder_participant",
    "meeting_changed",
    "meeting_cancelled",
    "after_summary",
    "survey_start",
)
DATA = {
    "sv": {
        "purpose": "Vi pratar om hur du kan börja jobba igen. Vi gör en plan ihop.",
        "why": ["Din bror. Han stöttar dig.", "Hjälper dig att hitta jobb.", "Berättar om pengar."],
        "decision": "Du börjar på en praktik i januari.",
        "item": "Boka ett möte med praktikplatsen.",
    },
    "en": {
        "purpose": "We talk about how you can start to work again. We make a plan together.",
        "why": [
            "Your brother. He is there for you.",
            "Helps you find a job.",
            "Tells you about money.",
        ],
        "decision": "You start a work trial in January.",
        "item": "Book a meeting with the work place.",
    },
}
DATA["ar"] = DATA["en"]


async def realistic_meeting(locale: str) -> tuple[Meeting, Person]:
    data = DATA[locale]
    team = await Team.create(name=f"Team {locale}")
    karin = await StaffUser.create(
        telegram_user_id=1, display_name="Karin Berg", role=StaffRole.CONVENOR, team=team
    )
    starts = datetime(2027, 3, 3, 9, 30, tzinfo=STHLM)
    meeting = await Meeting.create(
        team=team,
        convenor=karin,
        timezone="Europe/Stockholm",
        purpose=data["purpose"],
        language="sv" if locale == "sv" else "en",  # the language the convenor wrote in
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        place="Kommunhuset, Storgatan 12, rum Ekan",
        status=MeetingStatus.PLANNED,
        feedback_due=date(2027, 3, 10),
    )
    amina = await Person.create(
        team=team, first_name="Amina", phone="+46701740605", language=locale
    )
    await Attendee.create(meeting=meeting, person=amina, role=AttendeeRole.PERSON_IN_FOCUS)
    seats = (
        ("Mohammed", AttendeeRole.RELATIVE, Agency.NONE),
        ("Lena", AttendeeRole.AGENCY_STAFF, Agency.ARBETSFORMEDLINGEN),
        ("Johan", AttendeeRole.AGENCY_STAFF, Agency.FORSAKRINGSKASSAN),
    )
    for index, (name, role, agency) in enumerate(seats):
        person = await Person.create(team=team, first_name=name, phone=f"+4670174061{index}")
        attendee = await Attendee.create(
            meeting=meeting,
            person=person,
            role=role,
            agency=agency,
            why=data["why"][index],
            gives_feedback=name == "Lena",
        )
        if name == "Lena":
            await ActionItem.create(
                meeting=meeting, what=data["item"], owner=attendee, due=date(2027, 3, 17)
            )
    await Note.create(meeting=meeting, kind=NoteKind.DECISION, text=data["decision"])
    return meeting, amina


async def rendered(locale: str) -> dict[str, str]:
    meeting, amina = await realistic_meeting(locale)
    texts = {}
    for template in PARTICIPANT_TEMPLATES:
        message = await OutboxMessage.create(
            meeting=meeting,
            person=amina,
            channel=Channel.SMS,
            kind="test",
            template=template,
            locale=locale,
            due_at=meeting.starts_at,
            next_attempt_at=meeting.starts_at,
        )
        texts[template] = await render(message, meeting)
    # After her yes the reminder reads differently: checked the same way.
    await Attendee.filter(meeting=meeting, person=amina).update(response=AttendeeResponse.CONFIRMED)
    message = await OutboxMessage.create(
        meeting=meeting,
        person=amina,
        channel=Channel.SMS,
        kind="test",
        template="reminder_participant",
        locale=locale,
        due_at=meeting.starts_at,
        next_attempt_at=meeting.starts_at,
    )
    texts["reminder_participant:confirmed"] = await render(message, meeting)
    with use_locale(locale):
        for question in (*survey.QUESTIONS, survey.WISH):
            texts[f"question:{question.key}"] = survey.question_text(question)
            texts[f"reprompt:{question.key}"] = survey.reprompt(question)
    return texts


def _without_links(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


def flesch_kincaid_grade(text: str) -> float:
    """0.39 words/sentence + 11.8 syllables/word - 15.59; syllables from pyphen's en_US
    hyphenation, at least one per vowel group's worth (pyphen alone undercounts)."""
    hyphenator = pyphen.Pyphen(lang="en_US")
    words = re.findall(r"[A-Za-z]+", text)
    sentences = max(1, len(re.findall(r"[.!?]+(\s|$)", text)))
    syllables = sum(
        max(len(hyphenator.positions(w)) + 1, len(re.findall(r"[aeiouy]+", w.lower())))
        for w in words
    )
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


async def test_swedish_participant_texts_are_plain_and_fit_gsm7(db):
    for name, text in (await rendered("sv")).items():
        assert lix(_without_links(text)) <= 35, (name, lix(text), text)
        assert sms_parts(text).encoding == "GSM-7", (name, text)


async def test_english_participant_texts_grade_at_most_8_and_fit_gsm7(db):
    for name, text in (await rendered("en")).items():
        assert flesch_kincaid_grade(_without_links(text)) <= 8, (name, text)
        assert sms_parts(text).encoding == "GSM-7", (name, text)


@pytest.mark.parametrize("locale", ["sv", "en"])
async def test_the_information_sms_carries_the_facts_in_three_parts(db, locale):
    text = (await rendered(locale))["info_participant"]
    assert sms_parts(text).parts <= 3, (sms_parts(text), text)
    for fact in ("Amina", "09:30", "Kommunhuset", "Mohammed", "Lena", "Johan", "/i/"):
        assert fact in text, (fact, text)
    assert DATA[locale]["purpose"].split(".")[0] in text


async def test_arabic_participant_texts_are_translated_and_go_as_ucs2(db):
    known = {"Amina", "Mohammed", "Lena", "Johan", "Karin", "Kommunhuset", "Storgatan", "Ekan"}
    known |= {"Arbetsf", "rmedlingen", "rs", "kringskassan", "Region", "START"}
    for name, text in (await rendered("ar")).items():
        assert sms_parts(text).encoding == "UCS-2", (name, text)
        # Only names, places, agency names and the meeting's own words may stay in Latin
        # letters: an untranslated template would leave its English sentence here.
        data = " ".join([DATA["ar"]["purpose"], *DATA["ar"]["why"], DATA["ar"]["decision"]])
        data += " " + DATA["ar"]["item"]
        leftover = set(re.findall(r"[A-Za-z]{4,}", _without_links(text))) - known
        leftover -= set(re.findall(r"[A-Za-z]{4,}", data))
        assert not leftover, (name, leftover, text)


# The information SMS in every language and encoding -------------------------------
LONG_PURPOSE = {
    "sv": "Vi pratar om hur du mår och om din vardag. " * 11,  # ~470 characters
    "en": "We talk about how you feel and about your days. " * 10,
}
LONG_PURPOSE["ar"] = LONG_PURPOSE["en"]
PURPOSES = {
    "plain": lambda locale: DATA[locale]["purpose"],
    # As a phone types it: curly quotes, a dash and an ellipsis.
    "typographic": lambda locale: "Vi pratar om “nästa steg” – och om ‘pengar’…",
    "arabic": lambda locale: "نتحدث عن العمل والمال.",
    "long": lambda locale: LONG_PURPOSE[locale].strip(),
}
PERSON_NAMES = ("Amina", "محمد", "Joaquín", "Jo\u202ehan")


async def information(locale: str, person_name: str, purpose: str, channel=Channel.SMS):
    meeting, amina = await realistic_meeting(locale)
    await Meeting.filter(id=meeting.id).update(purpose=purpose)
    await Person.filter(id=amina.id).update(first_name=person_name)
    meeting, amina = await Meeting.get(id=meeting.id), await Person.get(id=amina.id)
    message = await OutboxMessage.create(
        meeting=meeting,
        person=amina,
        channel=channel,
        kind="info",
        template="info_participant",
        locale=locale,
        due_at=meeting.starts_at,
        next_attempt_at=meeting.starts_at,
    )
    return meeting, await render(message, meeting)


def _budget_ok(text: str) -> bool:
    parts = sms_parts(text)
    return parts.parts <= {"GSM-7": 3, "UCS-2": 4}[parts.encoding]


@pytest.mark.parametrize("locale", ["sv", "en", "ar"])
@pytest.mark.parametrize("kind", list(PURPOSES))
@pytest.mark.parametrize("person_name", PERSON_NAMES)
async def test_the_information_sms_always_holds_purpose_when_where_and_how_to_reply(
    db, locale, kind, person_name
):
    """Whatever the name, purpose, language and so encoding: purpose, day, time, place and
    how to reply are in the SMS itself; who comes and "bring someone, take breaks" too
    whenever a text with them fits 3 GSM-7 or 4 UCS-2 parts."""
    purpose = PURPOSES[kind](locale)
    meeting, text = await information(locale, person_name, purpose)
    day, clock = when(meeting, locale)
    with use_locale(locale):
        reply = _("Reply YES if you are coming. Reply NO if you cannot come.")
        comfort = _("You may bring someone, and take breaks.")
        shortest_with_all = " ".join(
            [
                _(
                    "Hi! You are invited to a meeting on {day} at {time}. Place: {place}.",
                    day=day,
                    time=clock,
                    place=meeting.place,
                ),
                _("Why we meet: {purpose}", purpose=purpose),
                _(
                    "Who comes: {people}",
                    people="Mohammed, Lena (Arbetsförmedlingen), Johan (Försäkringskassan).",
                ),
                comfort,
                reply,
            ]
        )
    for fact in (gsm7_safe(purpose), gsm7_safe(day), clock, meeting.place, gsm7_safe(reply)):
        assert fact in text, (fact, sms_parts(text), text)
    assert "\u202e" not in text
    if _budget_ok(gsm7_safe(shortest_with_all)):
        for fact in ("Mohammed", "Lena", "Johan", gsm7_safe(comfort)):
            assert fact in text, (fact, sms_parts(text), text)
        assert _budget_ok(text), (sms_parts(text), text)


@pytest.mark.parametrize("person_name", ["محمد", "Jo\u202ehan"])
async def test_a_name_that_would_force_ucs2_costs_no_facts_in_swedish(db, person_name):
    """The issue's case: an Arabic name, or a bidi override, in a Swedish SMS. The
    override is invisible and goes; an Arabic name alone is no reason to lose the rest."""
    _meeting, text = await information("sv", person_name, DATA["sv"]["purpose"])
    assert sms_parts(text).encoding == "GSM-7", text
    assert sms_parts(text).parts <= 3
    for fact in (DATA["sv"]["purpose"], "Mohammed", "Lena", "Johan", "ta paus", "/i/"):
        assert fact in text, (fact, text)


async def test_by_telegram_the_information_is_whole(db):
    _meeting, text = await information(
        "sv", "محمد", LONG_PURPOSE["sv"].strip(), channel=Channel.TELEGRAM
    )
    for fact in (LONG_PURPOSE["sv"].strip(), *DATA["sv"]["why"], "ta paus", "/i/"):
        assert fact in text, (fact, text)
