"""Recording a step on the ladder for a meeting: by the convenor in `/after` (one tap, or
"not assessed"), or by the person in the survey's optional question. One row per meeting
and per whose view it is; a second answer replaces the first, with who and when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flows.core.clock import clock
from flows.core.dialog import Button, Reply
from flows.core.i18n import _
from flows.outcomes import ladder
from storage.models import (
    Attendee,
    AttendeeRole,
    Meeting,
    Person,
    StaffUser,
    StepAssessment,
    StepAssessor,
)

NOT_ASSESSED = "none"


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
