"""Recording a step on the ladder for a meeting: by the convenor in `/after` (one tap, or
"not assessed"), or by the person in the survey's optional question. One row per meeting
and per whose view it is; a second answer replaces the first, with who and when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flows.core.clock import clock
from flows.core.dialog import Button, Reply
from flows.core.i18n import _
from flows.outcomes import followup, ladder
from storage.models import (
    Attendee,
    AttendeeRole,
    ConsentKind,
    Meeting,
    Person,
    StaffUser,
    StepAssessor,
)
from storage.record_models import StepAssessment

NOT_ASSESSED = "none"
STEP_CHOICES = (*(str(step) for step in ladder.STEPS), NOT_ASSESSED)


async def record(
    meeting: Meeting,
    by: StepAssessor,
    step: int | None,
    now: datetime,
    staff: StaffUser | None = None,
    person: Person | None = None,
) -> StepAssessment:
    if step is not None and step not in ladder.STEPS:
        raise ladder.NotAStep(step)
    if person is None:
        seat = await Attendee.get_or_none(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS)
        person_id = seat.person_id if seat else None
    else:
        person_id = person.id
    row, _created = await StepAssessment.update_or_create(
        meeting=meeting,
        assessed_by=by,
        defaults={
            "step": step,
            "person_id": person_id,
            "recorded_by": staff,
            "recorded_at": now,
        },
    )
    return row


async def convenor_question(meeting: Meeting, option: Callable[[str, str], Button]) -> Reply:
    """`/after`: the step the person and the meeting agreed on, one tap."""
    names = await ladder.names(meeting.team_id)
    rows = [[option(f"{step} · {names[step]}", str(step))] for step in ladder.STEPS]
    rows.append([option(_("Not assessed"), NOT_ASSESSED)])
    return Reply(
        _(
            "Which step on the ladder did you and the person agree on? "
            "1 is furthest from work or studies. 6 is work, studies or the right benefit."
        ),
        rows,
    )


async def take_convenor_answer(meeting: Meeting, staff: StaffUser, choice: str | None) -> bool:
    """False when the answer is not one of the buttons."""
    if choice == NOT_ASSESSED:
        step = None
    elif choice and choice.isdigit() and int(choice) in ladder.STEPS:
        step = int(choice)
    else:
        return False
    await record(meeting, StepAssessor.CONVENOR, step, clock.now(), staff=staff)
    return True


async def consent_wanted(meeting: Meeting) -> bool:
    """Ask for the consent to the outcome question: once, when the person can be reached."""
    return await _person(meeting) is not None


async def consent_question(meeting: Meeting, option: Callable[[str, str], Button]) -> Reply:
    person = await _person(meeting)
    name = person.first_name if person else "?"
    return Reply(
        _(
            "One more thing: may we send {name} one short question in a few months, to ask "
            "what they do then? Please ask {name}.",
            name=name,
        ),
        [[option(_("Yes, {name} agrees", name=name), "yes")], [option(_("No"), "no")]],
    )


async def take_consent(meeting: Meeting, staff: StaffUser, choice: str | None) -> None:
    person = await _person(meeting)
    if choice == "yes" and person is not None:
        await followup.record_consent(person, staff, clock.now())


async def _person(meeting: Meeting) -> Person | None:
    """The person in focus when they could be asked and have not said yes yet."""
    seat = await Attendee.get_or_none(
        meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS
    ).prefetch_related("person__consents")
    person = seat.person if seat else None
    if person is None or person.opted_out or person.anonymised_at is not None:
        return None
    kinds = {c.kind for c in person.consents if c.withdrawn_at is None}
    if ConsentKind.OUTCOME_QUESTION in kinds:
        return None
    if not kinds & {ConsentKind.CONTACT_SMS, ConsentKind.CONTACT_TELEGRAM}:
        return None
    return person
