"""The short survey after the meeting, and the one question before it, over SMS or Telegram.

The survey message (outbox kind "survey", template survey_start) asks question 1;
each answer is stored and the receipt asks the next one, so a person answers at
their own pace with a word or a digit. The open question is derived from what is
stored, never kept in memory: which survey was sent to this person and has not
expired, and which of its questions has no answer yet.

An answer that does not fit is asked again once; a second misfit goes to the
convenor like any other message and the question stays open. A "no" to "do you
know what happens next" tells the convenor at once (domain.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flows.core.i18n import _
from flows.outcomes import recording
from flows.participants.keywords import Keyword, keyword, normalise
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import (
    Attendee,
    Meeting,
    MessageKind,
    OutboxStatus,
    Person,
    StepAssessor,
    SurveyStatus,
)


class Kind(StrEnum):
    YES_NO = "yes_no"
    SCALE = "scale"  # 1-5
    STEP = "step"  # 1-6 on the ladder, optional: "no" skips it
    TEXT = "text"  # free text, optional


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind


QUESTIONS = (
    Question("knew_why", Kind.YES_NO),
    Question("could_say", Kind.SCALE),
    Question("next_known", Kind.YES_NO),
    Question("step", Kind.STEP),  # where they feel they are now (flows.outcomes.ladder)
    Question("other", Kind.TEXT),
)
WISH = Question("wish", Kind.TEXT)  # before the meeting: someone with you, or present?

_DONT_KNOW = {"vet inte", "vet ej", "dont know", "do not know", "i dont know", "no idea"}
_NOTHING = {"nej", "no", "nej tack", "no thanks", "inget", "nothing", "nope", "لا"}
MAX_TEXT = 1000


@dataclass(frozen=True)
class Open:
    """The question a reply from this person answers now."""

    meeting: Meeting
    question: Question
    row: SurveyAnswer | None  # None until the first reply to question 1


@dataclass(frozen=True)
class Outcome:
    receipt: str
    alert: str | None = None  # a template for the convenor, when they must know at once
    forward: bool = False  # not an answer after a second try: the convenor reads it


async def open_question(person: Person, now: datetime) -> Open | None:
    wish = (
        await SurveyAnswer.filter(
            person=person, question=WISH.key, status=SurveyStatus.OPEN, meeting__starts_at__gt=now
        )
        .prefetch_related("meeting")
        .first()
    )
    if wish is not None:
        return Open(wish.meeting, WISH, wish)
    sent = (
        await OutboxMessage.filter(
            person=person,
            kind=MessageKind.SURVEY,
            status__in=(OutboxStatus.SENT, OutboxStatus.DELIVERED),
            expires_at__gt=now,
        )
        .order_by("-sent_at")
        .prefetch_related("meeting")
        .first()
    )
    if sent is None or sent.meeting is None:
        return None
    rows = {
        row.question: row for row in await SurveyAnswer.filter(meeting=sent.meeting, person=person)
    }
    for question in QUESTIONS:
        row = rows.get(question.key)
        if row is None:
            if question is QUESTIONS[0]:
                return Open(sent.meeting, question, None)
            return None  # never asked: the survey stopped here
        if row.status is SurveyStatus.OPEN:
            return Open(sent.meeting, question, row)
    return None


_SCALE = re.compile(r"([1-5])(?:\s*(?:av|of|/)\s*5)?")
_STEP = re.compile(r"(?:steg\s*|step\s*)?([1-6])")


def _plain(text: str) -> str:
    """Printable characters only, any script's digits as 0-9, trimmed."""
    kept = []
    for ch in text:
        digit = unicodedata.digit(ch, None)
        if digit is not None:
            kept.append(str(digit))
        elif ch.isprintable() or ch == "\n":
            kept.append(ch)
    return "".join(kept).strip()


def parse(question: Question, text: str) -> tuple[bool, int | None, str | None]:
    """(fits, value, text). Yes is 1 and no 0; a scale its digit; free text kept as text."""
    plain = _plain(text)
    if question.kind is Kind.TEXT:
        if normalise(plain) in _NOTHING or not plain.strip(" .-!?"):
            return True, None, None
        if keyword(plain) is Keyword.YES:
            return False, None, None  # "yes" alone says not who or what: ask for words
        return True, None, plain[:MAX_TEXT]
    if question.kind is Kind.YES_NO:
        word = keyword(text)
        if word is Keyword.YES:
            return True, 1, None
        if word is Keyword.NO or normalise(plain) in _DONT_KNOW:
            return True, 0, None
        return False, None, None
    if question.kind is Kind.STEP:  # "4", "steg 4", "٤"; "no" skips the question
        if keyword(text) is Keyword.NO or normalise(plain) in _DONT_KNOW | _NOTHING:
            return True, None, None
        match = _STEP.fullmatch(plain.rstrip(".! ").lower())
        return (True, int(match[1]), None) if match else (False, None, None)
    # "4", "4!", "3 av 5", "2/5", "٣"; not "45", not "4 men ...".
    match = _SCALE.fullmatch(plain.rstrip(".! ").lower())
    return (True, int(match[1]), None) if match else (False, None, None)


async def answer(person: Person, current: Open, text: str, now: datetime) -> Outcome:
    fits, value, free_text = parse(current.question, text)
    row = current.row or await _ask(current.meeting, person, current.question, now, sent=True)
    if not fits:
        if row.reprompted_at is not None:
            return Outcome(receipt="", forward=True)
        row.reprompted_at = now
        await row.save(update_fields=["reprompted_at"])
        return Outcome(receipt=reprompt(current.question))
    row.value, row.text, row.status, row.answered_at = value, free_text, SurveyStatus.ANSWERED, now
    await row.save(update_fields=["value", "text", "status", "answered_at"])
    if current.question is WISH:
        if free_text is None:
            return Outcome(receipt=_("Okay. Thank you!"))
        return Outcome(receipt=_("Thank you! We will tell the meeting."), alert="alert_wish")
    if current.question.kind is Kind.STEP and value is not None:
        await recording.record(current.meeting, StepAssessor.PERSON, value, now, person=person)
    alert = "alert_next_unknown" if current.question.key == "next_known" and value == 0 else None
    following = QUESTIONS.index(current.question) + 1
    if following == len(QUESTIONS):
        return Outcome(receipt=_("Thank you for your answers! They help us get better."))
    await _ask(current.meeting, person, QUESTIONS[following], now)
    return Outcome(receipt=question_text(QUESTIONS[following]), alert=alert)


async def _ask(
    meeting: Meeting, person: Person, question: Question, now: datetime, sent: bool = False
) -> SurveyAnswer:
    """The row for an asked question (question 1: asked by the survey message itself)."""
    asked_at = now
    if sent:
        message = await OutboxMessage.filter(
            meeting=meeting, person=person, kind=MessageKind.SURVEY
        ).first()
        asked_at = message.sent_at if message and message.sent_at else now
    row, _created = await SurveyAnswer.get_or_create(
        meeting=meeting,
        person=person,
        question=question.key,
        defaults={"asked_at": asked_at, "status": SurveyStatus.OPEN},
    )
    return row


async def ask_wish(attendance: Attendee, person: Person, now: datetime) -> str:
    """After a yes: is there someone they want with them, or present? Asked once."""
    await _ask(attendance.meeting, person, WISH, now)
    return question_text(WISH)


def question_text(question: Question) -> str:
    texts = {
        "knew_why": _(
            "Question 1 of 3: Did you know before the meeting why it was held and who would "
            "come? Reply YES or NO."
        ),
        "could_say": _(
            "Question 2 of 3: Could you say what you wanted at the meeting? "
            "Reply with a number from 1 to 5. 1 is not at all. 5 is yes, fully."
        ),
        "next_known": _(
            "Question 3 of 3: Do you know what happens now, and who will contact you? "
            "Reply YES or NO."
        ),
        "step": _(
            "One more, if you want: Where do you feel you are now? Answer 1-6. "
            "1 is: mostly at home, little contact. 6 is: work, studies or the right benefit. "
            "Reply NO to skip."
        ),
        "other": _("Do you want to tell us something more? Write it here. If not, you are done."),
        "wish": _(
            "One question: Do you want someone with you at the meeting? Or is there someone "
            "you want to be there? Write it here. Reply NO if not."
        ),
    }
    return texts[question.key]


def reprompt(question: Question) -> str:
    if question.kind is Kind.TEXT:
        return _("Please write it in your own words.") + " " + question_text(question)
    if question.kind is Kind.SCALE:
        return _("Please reply with one number from 1 to 5.") + " " + question_text(question)
    if question.kind is Kind.STEP:
        return _("Please reply with one number from 1 to 6.") + " " + question_text(question)
    return _("Please reply YES or NO.") + " " + question_text(question)


async def expire(now: datetime) -> int:
    """Open questions whose moment passed (the survey closed, the meeting began): expired,
    so the counts stay honest and a late reply is read as a message, not an answer."""
    late_survey = await SurveyAnswer.filter(
        status=SurveyStatus.OPEN,
        question__not=WISH.key,
        meeting__outbox__kind=MessageKind.SURVEY,
        meeting__outbox__expires_at__lte=now,
    ).values_list("id", flat=True)
    late_wish = await SurveyAnswer.filter(
        status=SurveyStatus.OPEN, question=WISH.key, meeting__starts_at__lte=now
    ).values_list("id", flat=True)
    ids = set(late_survey) | set(late_wish)
    if not ids:
        return 0
    return await SurveyAnswer.filter(id__in=ids).update(status=SurveyStatus.EXPIRED)
