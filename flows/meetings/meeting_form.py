"""`/new`: the convenor prepares a meeting, one question at a time.

Each answer is written to the meeting at once (it starts as a draft), so
`/prep` after a restart resumes at the question that was open, with nothing
typed before lost. The same steps edit one field of a prepared meeting.

The steps are declared (flows.core.dialog.Step) in three parts: the meeting
(form_meeting), the person in focus (form_person), the other attendees and the
guard rails (form_attendees). The engine checks each answer once.
"""

from __future__ import annotations

from typing import ClassVar

from flows.core.clock import clock
from flows.core.dialog import Next, Outcome, Reply, Step, Taken
from flows.core.i18n import _
from flows.meetings import meeting_card, meeting_changes
from flows.meetings.form_attendees import ATTENDEE_STEPS, AttendeeSteps
from flows.meetings.form_meeting import MEETING_STEPS, MeetingSteps
from flows.meetings.form_person import PERSON_STEPS, PersonSteps
from storage.models import MeetingStatus

EDITABLE = ("when", "place", "purpose")


class MeetingForm(MeetingSteps, PersonSteps, AttendeeSteps):
    name = "new"
    first_step = "purpose"
    steps: ClassVar[dict[str, Step]] = {
        **MEETING_STEPS,
        **PERSON_STEPS,
        **ATTENDEE_STEPS,
        "restart": Step(choices=("keep", "over")),  # /new again in the middle of /new
    }

    async def finished(self) -> list[Reply]:
        if self.editing:
            field = self.draft.get("changed") or self.state.step or ""
            notices = await meeting_changes.after_edit(self.m, self.staff, field, clock.now())
            said = Reply(_("Changed. {n} people were told.", n=notices))
            return [said, await meeting_card.card(self.m)]
        said = Reply(_("The meeting is saved. Now the preparation checklist."))
        return [
            said,
            await meeting_card.card(self.m),
            await meeting_card.prep_item(self.m),
        ]

    # /new again in the middle of /new ----------------------------------------
    async def ask_restart(self) -> Reply:
        return Reply(
            _(
                "You are preparing meeting {id}. Do you want to drop it and start over?",
                id=self.m.id,
            ),
            [
                [self.option(_("Keep going"), "keep")],
                [self.option(_("Drop it and start over"), "over")],
            ],
        )

    async def take_restart(self, taken: Taken) -> Outcome:
        resume = self.draft.pop("resume_step", None) or self.first_step
        if taken.choice == "keep":
            return Next(resume)
        if self.meeting is not None and self.meeting.status is MeetingStatus.DRAFT:
            await meeting_changes.cancel(self.meeting, self.staff, clock.now())
        self.meeting, self.draft = None, {}
        return Next(self.first_step, [Reply(_("The draft is dropped. We start again."))])
