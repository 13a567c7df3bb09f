"""`/after`: how it went, the notes from the MötesFokus template, and the follow-up.

Outcome first; a moved meeting goes back to its time, a cancelled one is
cancelled. For a meeting that was held (or where the person did not come):
the person's own view, the decisions, the action plan (what, who, by when),
who gets back to the person and by when, the next meeting. One confirmation
then sends the person the summary and plans the survey and the reminders.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from flows.core import labels, own_words
from flows.core.clock import clock
from flows.core.dialog import Finish, Next, Outcome, Reply, Step, Taken
from flows.core.i18n import _
from flows.meetings import meeting_changes
from flows.meetings.close_base import OUTCOMES, action_text, outcome_label, written
from flows.meetings.close_plan import PlanSteps
from flows.meetings.form_when import (
    WHEN_CHOICES,
    confirmed_when,
    when_confirmation,
)
from flows.meetings.meeting_card import summary_preview
from flows.meetings.meeting_words import moment_text
from flows.outbox import campaign
from flows.outcomes import recording
from storage.models import (
    UPCOMING,
    Attendee,
    AttendeeRole,
    Meeting,
    MeetingStatus,
    MessageKind,
    Note,
    NoteKind,
)


class CloseForm(PlanSteps):
    name = "after"
    first_step = "outcome"
    steps: ClassVar[dict[str, Step]] = {
        "outcome": Step(choices=tuple(s.value for s in OUTCOMES)),
        "moved_when": Step(text="_read_when", next="moved_confirm"),
        "moved_confirm": Step(choices=WHEN_CHOICES),
        "person_view": Step(choices=("skip",), text=written, next="decisions"),
        "decisions": Step(choices=("done",), text=written),
        "decisions_for_person": Step(choices=("skip",), text=written, next="action_what"),
        "action_what": Step(choices=("done",), text=action_text),
        "action_owner": Step(choices="_owner_choices", next="action_due"),
        "action_due": Step(text="_read_day"),
        "feedback_owner": Step(choices="_feedback_choices", next="feedback_by"),
        "feedback_by": Step(choices="_feedback_day_choices", text="_read_day"),
        "next_meeting": Step(choices=("none",), text="_read_when"),
        "next_meeting_confirm": Step(choices=WHEN_CHOICES, next="ladder_step"),
        "ladder_step": Step(choices=recording.STEP_CHOICES),
        "outcome_consent": Step(choices=("yes", "no"), next="confirm"),
        "confirm": Step(choices=("send", "save")),
    }

    # Outcome ------------------------------------------------------------
    async def ask_outcome(self) -> Reply:
        return Reply(
            _("How did the meeting go?"),
            [[self.option(outcome_label(s), s.value)] for s in OUTCOMES],
        )

    async def take_outcome(self, taken: Taken) -> Outcome:
        outcome = MeetingStatus(taken.choice)
        if outcome is MeetingStatus.CANCELLED:
            notices = await meeting_changes.cancel(self.m, self.staff, clock.now())
            return Finish([Reply(_("Cancelled. {n} people were told.", n=notices))])
        if outcome is MeetingStatus.MOVED:
            return Next("moved_when")
        self.m.status = outcome
        await self.m.save(update_fields=["status", "updated_at"])
        if outcome is MeetingStatus.NO_SHOW:
            return Next("decisions")
        return Next("person_view")

    async def ask_moved_when(self) -> Reply:
        return Reply(_("When is the meeting now? For example 3/12 10:00 or tuesday 10:00."))

    async def take_moved_when(self, taken: Taken) -> None:
        self.draft.update(taken.value)

    async def ask_moved_confirm(self) -> Reply:
        return when_confirmation(self.draft, self.m.timezone, self.option)

    async def take_moved_confirm(self, taken: Taken) -> Outcome:
        moment = confirmed_when(self.draft, taken, again="moved_when")
        if not isinstance(moment, datetime):
            return moment
        length = self.m.ends_at - self.m.starts_at if self.m.ends_at and self.m.starts_at else None
        self.m.starts_at = moment
        self.m.ends_at = moment + length if length else moment
        self.m.after_asked_at = None
        await self.m.save(update_fields=["starts_at", "ends_at", "after_asked_at", "updated_at"])
        notices = await meeting_changes.after_edit(self.m, self.staff, "when", clock.now())
        text = _(
            "Moved to {moment}. {n} people were told.",
            moment=moment_text(moment, self.m.timezone),
            n=notices,
        )
        return Finish([Reply(text)])

    # Notes --------------------------------------------------------------
    async def ask_person_view(self) -> Reply:
        return Reply(
            _("What did the person say, in their own words? (the notes' first part)"),
            [[self.option(_("Skip"), "skip")]],
        )

    async def take_person_view(self, taken: Taken) -> None:
        if taken.choice is None:
            await Note.create(
                meeting=self.m, kind=NoteKind.PERSON_VIEW, text=taken.value, author=self.staff
            )

    async def ask_decisions(self) -> Reply:
        count = await Note.filter(meeting=self.m, kind=NoteKind.DECISION).count()
        return Reply(
            _(
                "What was decided? One decision per message, in plain words: the person "
                "gets these. ({n} so far.)",
                n=count,
            ),
            [[self.option(_("No more decisions"), "done")]],
        )

    async def take_decisions(self, taken: Taken) -> Outcome:
        if taken.choice == "done":
            decided = await Note.filter(meeting=self.m, kind=NoteKind.DECISION).exists()
            if decided and await own_words.foreign_reader(self.m) is not None:
                return Next("decisions_for_person")
            return Next("action_what")
        await Note.create(
            meeting=self.m, kind=NoteKind.DECISION, text=taken.value, author=self.staff
        )
        return Next("decisions", [Reply(_("Noted."))])

    async def ask_decisions_for_person(self) -> Reply:
        person = await own_words.foreign_reader(self.m)
        return Reply(
            _(
                "{name} gets messages in {language}. Please write the decisions in {language} "
                "too, all in one message. If you skip this, {name} gets them in {own}, and the "
                "message says so.",
                name=person.first_name if person else "?",
                language=labels.language(person.language if person else self.m.language),
                own=labels.language(self.m.language),
            ),
            [[self.option(_("Skip"), "skip")]],
        )

    async def take_decisions_for_person(self, taken: Taken) -> None:
        person = await own_words.foreign_reader(self.m)
        if taken.choice is None and person is not None:
            text = " ".join(taken.value.split())
            own_words.store(self.m, own_words.DECISIONS, person.language, text)
            await self.m.save(update_fields=["person_texts", "updated_at"])

    # The step on the ladder, and once the consent to the outcome question (flows.outcomes)
    async def ask_ladder_step(self) -> Reply:
        return await recording.convenor_question(self.m, self.option)

    async def take_ladder_step(self, taken: Taken) -> Outcome:
        await recording.take_convenor_answer(self.m, self.staff, taken.choice)
        return Next("outcome_consent" if await recording.consent_wanted(self.m) else "confirm")

    async def ask_outcome_consent(self) -> Reply:
        return await recording.consent_question(self.m, self.option)

    async def take_outcome_consent(self, taken: Taken) -> None:
        await recording.take_consent(self.m, self.staff, taken.choice)

    # Confirm and hand over ----------------------------------------------
    async def ask_confirm(self) -> Reply:
        return Reply(
            await summary_preview(self.m),
            [
                [self.option(_("Send it and plan the survey"), "send")],
                [self.option(_("Save without sending"), "save")],
            ],
        )

    async def take_confirm(self, taken: Taken) -> Outcome:
        now = clock.now()
        self.m.closed_at = now
        await self.m.save(update_fields=["closed_at", "updated_at"])
        await campaign.schedule_follow_up(self.m)
        if taken.choice == "save":
            return Finish([Reply(_("Saved. The follow-up reminders are planned."))])
        person = await Attendee.filter(
            meeting=self.m, role=AttendeeRole.PERSON_IN_FOCUS
        ).values_list("id", flat=True)
        sent, _unused = await campaign.schedule_notice(
            self.m, now, MessageKind.SUMMARY, "1", set(person)
        )
        surveys, _unused = await campaign.schedule_survey(self.m)
        return Finish(
            [
                Reply(
                    _(
                        "Done. The summary is on its way ({n} message) and {s} survey is planned. "
                        "The follow-up reminders are planned.",
                        n=sent,
                        s=surveys,
                    )
                )
            ]
        )


def ask_after_due(meeting: Meeting, now: datetime) -> bool:
    """The bot asks for the notes by itself soon after the planned end, of a meeting
    whose information was sent (a draft never sent was not held with us)."""
    return (
        meeting.status in UPCOMING
        and meeting.info_sent_at is not None
        and meeting.ends_at is not None
        and meeting.ends_at <= now
        and meeting.after_asked_at is None
    )
