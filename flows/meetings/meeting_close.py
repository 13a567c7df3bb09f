"""`/after`: how it went, the notes from the MötesFokus template, and the follow-up.

Outcome first; a moved meeting goes back to its time, a cancelled one is
cancelled. For a meeting that was held (or where the person did not come):
the person's own view, the decisions, the action plan (what, who, by when),
who gets back to the person and by when, the next meeting. One confirmation
then sends the person the summary and plans the survey and the reminders.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows.core import labels, own_words
from flows.core.clock import clock
from flows.core.dialog import Again, Answer, Finish, Next, Outcome, Reply, StepFlow, need_button
from flows.core.i18n import _
from flows.meetings import meeting_changes
from flows.meetings.meeting_card import summary_preview
from flows.meetings.meeting_form import confirmed_when, read_when, when_confirmation, when_problem
from flows.meetings.meeting_words import moment_text
from flows.meetings.when_parser import Refused, parse_day
from flows.outbox import campaign
from flows.outbox.schedule import next_working_day_after
from flows.outcomes import recording
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeRole,
    Meeting,
    MeetingStatus,
    Note,
    NoteKind,
    Person,
)

FEEDBACK_WORKING_DAYS = 5  # seeds 002, tip 7: near-term feedback
OUTCOMES = (MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED, MeetingStatus.MOVED)


def working_days_after(day: date, n: int) -> date:
    for _step in range(n):
        day = next_working_day_after(day)
    return day


def outcome_label(status: MeetingStatus) -> str:
    return {
        MeetingStatus.HELD: _("It was held"),
        MeetingStatus.NO_SHOW: _("The person did not come"),
        MeetingStatus.CANCELLED: _("It was cancelled"),
        MeetingStatus.MOVED: _("It was moved"),
    }[status]


class CloseForm(StepFlow):
    name = "after"
    first_step = "outcome"

    @property
    def m(self) -> Meeting:
        assert self.meeting is not None
        return self.meeting

    def _today(self) -> date:
        return clock.now().astimezone(ZoneInfo(self.m.timezone)).date()

    async def _attendees(self) -> list[Attendee]:
        return await Attendee.filter(meeting=self.m).prefetch_related("person", "staff_user")

    async def _attendee_buttons(self, prefix: str) -> list:
        rows = []
        for a in await self._attendees():
            name = a.person.first_name if a.person else a.staff_user.display_name
            rows.append([self.option(f"{name} ({labels.role(a.role)})", f"{prefix}{a.id}")])
        return rows

    async def _chosen_attendee(self, answer: Answer, prefix: str) -> int | None:
        if not answer.choice or not answer.choice.startswith(prefix):
            return None
        raw = answer.choice.removeprefix(prefix)
        ids = {a.id for a in await self._attendees()}
        return int(raw) if raw.isdigit() and int(raw) in ids else None

    # Outcome ------------------------------------------------------------
    async def ask_outcome(self) -> Reply:
        return Reply(
            _("How did the meeting go?"),
            [[self.option(outcome_label(s), s.value)] for s in OUTCOMES],
        )

    async def take_outcome(self, answer: Answer) -> Outcome:
        if answer.choice not in {s.value for s in OUTCOMES}:
            return need_button()
        outcome = MeetingStatus(answer.choice)
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

    async def take_moved_when(self, answer: Answer) -> Outcome:
        read = read_when(answer.text or "", clock.now(), self.m.timezone)
        if isinstance(read, Refused):
            return Again(when_problem(read))
        self.draft.update(read)
        return Next("moved_confirm")

    async def ask_moved_confirm(self) -> Reply:
        return when_confirmation(self.draft, self.m.timezone, self.option)

    async def take_moved_confirm(self, answer: Answer) -> Outcome:
        moment = confirmed_when(self.draft, answer, again="moved_when")
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

    async def take_person_view(self, answer: Answer) -> Outcome:
        if answer.choice == "skip":
            return Next("decisions")
        if not answer.text or not answer.text.strip():
            return need_button()
        await Note.create(
            meeting=self.m, kind=NoteKind.PERSON_VIEW, text=answer.text.strip(), author=self.staff
        )
        return Next("decisions")

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

    async def take_decisions(self, answer: Answer) -> Outcome:
        if answer.choice == "done":
            decided = await Note.filter(meeting=self.m, kind=NoteKind.DECISION).exists()
            if decided and await self._reader() is not None:
                return Next("decisions_for_person")
            return Next("action_what")
        text = (answer.text or "").strip()
        if not text:
            return need_button()
        await Note.create(meeting=self.m, kind=NoteKind.DECISION, text=text, author=self.staff)
        return Next("decisions", [Reply(_("Noted."))])

    async def _reader(self) -> Person | None:
        """The person in focus, when they read another language than the convenor wrote in."""
        attendee = await Attendee.get_or_none(
            meeting=self.m, role=AttendeeRole.PERSON_IN_FOCUS
        ).prefetch_related("person")
        person = attendee.person if attendee else None
        if person is None or not own_words.differs(self.m, person.language):
            return None
        return person

    async def ask_decisions_for_person(self) -> Reply:
        person = await self._reader()
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

    async def take_decisions_for_person(self, answer: Answer) -> Outcome:
        if answer.choice != "skip":
            text = " ".join((answer.text or "").split())
            if not text:
                return need_button()
            person = await self._reader()
            if person is not None:
                own_words.store(self.m, own_words.DECISIONS, person.language, text)
                await self.m.save(update_fields=["person_texts", "updated_at"])
        return Next("action_what")

    async def ask_action_what(self) -> Reply:
        count = await ActionItem.filter(meeting=self.m).count()
        return Reply(
            _("Action plan: what is to be done? One item per message. ({n} so far.)", n=count),
            [[self.option(_("No more items"), "done")]],
        )

    async def take_action_what(self, answer: Answer) -> Outcome:
        if answer.choice == "done":
            if not await self._feedback_candidates():
                await self._set_feedback_owner(None)
                return Next(
                    "feedback_by",
                    [Reply(_("You get back to the person yourself: nobody else was there."))],
                )
            return Next("feedback_owner")
        text = (answer.text or "").strip()
        if not text:
            return need_button()
        if len(text) > 300:
            return Again(_("Please keep one item under 300 characters."))
        self.draft["action"] = {"what": text}
        return Next("action_owner")

    async def ask_action_owner(self) -> Reply:
        return Reply(_("Who does it?"), await self._attendee_buttons("a"))

    async def take_action_owner(self, answer: Answer) -> Outcome:
        owner = await self._chosen_attendee(answer, "a")
        if owner is None:
            return need_button()
        self.draft["action"]["owner"] = owner
        return Next("action_due")

    async def ask_action_due(self) -> Reply:
        return Reply(_("By when? For example 2026-12-10, 10/12 or friday."))

    async def take_action_due(self, answer: Answer) -> Outcome:
        due = parse_day(answer.text or "", self._today())
        if isinstance(due, Refused):
            return Again(when_problem(due))
        action = self.draft.pop("action", None)
        if not action or "owner" not in action:
            return Next("action_what")
        await ActionItem.create(
            meeting=self.m, what=action["what"], owner_id=action["owner"], due=due
        )
        return Next("action_what", [Reply(_("Added to the action plan."))])

    # Who gets back to the person: never the person themself; the convenor ("me")
    # always may, and is the one when nobody else was there.
    async def _feedback_candidates(self) -> list[Attendee]:
        return [
            a
            for a in await self._attendees()
            if a.role is not AttendeeRole.PERSON_IN_FOCUS
            and (a.staff_user_id is None or a.staff_user_id != self.staff.id)
        ]

    async def _set_feedback_owner(self, attendee_id: int | None) -> None:
        """None: the convenor (their own seat, if they have one, carries the flag)."""
        if attendee_id is None:
            own = await Attendee.get_or_none(meeting=self.m, staff_user_id=self.staff.id)
            attendee_id = own.id if own is not None else None
        await Attendee.filter(meeting=self.m).update(gives_feedback=False)
        if attendee_id is not None:
            await Attendee.filter(id=attendee_id).update(gives_feedback=True)

    async def ask_feedback_owner(self) -> Reply:
        rows = [[self.option(_("Me ({name})", name=self.staff.display_name), "me")]]
        for a in await self._feedback_candidates():
            name = a.person.first_name if a.person else a.staff_user.display_name
            rows.append([self.option(f"{name} ({labels.role(a.role)})", f"f{a.id}")])
        return Reply(_("Who gets back to the person after the meeting?"), rows)

    async def take_feedback_owner(self, answer: Answer) -> Outcome:
        if answer.choice == "me":
            await self._set_feedback_owner(None)
            return Next("feedback_by")
        giver = await self._chosen_attendee(answer, "f")
        if giver is None or giver not in {a.id for a in await self._feedback_candidates()}:
            return need_button()
        await self._set_feedback_owner(giver)
        return Next("feedback_by")

    def _default_feedback_day(self) -> date:
        return working_days_after(self._today(), FEEDBACK_WORKING_DAYS)

    async def ask_feedback_by(self) -> Reply:
        day = self._default_feedback_day()
        return Reply(
            _("By when? Tap the default (5 working days) or write a date."),
            [[self.option(day.isoformat(), day.isoformat())]],
        )

    async def take_feedback_by(self, answer: Answer) -> Outcome:
        due = parse_day(answer.choice or answer.text or "", self._today())
        if isinstance(due, Refused):
            return Again(when_problem(due))
        self.m.feedback_due = due
        await self.m.save(update_fields=["feedback_due", "updated_at"])
        return Next("next_meeting")

    async def ask_next_meeting(self) -> Reply:
        return Reply(
            _("Is there a next meeting? Write its date and time, or tap No."),
            [[self.option(_("No"), "none")]],
        )

    async def take_next_meeting(self, answer: Answer) -> Outcome:
        if answer.choice == "none":
            self.m.next_meeting_at = None
            await self.m.save(update_fields=["next_meeting_at", "updated_at"])
            return Next("ladder_step")
        read = read_when(answer.text or "", clock.now(), self.m.timezone)
        if isinstance(read, Refused):
            return Again(when_problem(read))
        self.draft.update(read)
        return Next("next_meeting_confirm")

    async def ask_next_meeting_confirm(self) -> Reply:
        return when_confirmation(self.draft, self.m.timezone, self.option)

    async def take_next_meeting_confirm(self, answer: Answer) -> Outcome:
        moment = confirmed_when(self.draft, answer, again="next_meeting")
        if not isinstance(moment, datetime):
            return moment
        self.m.next_meeting_at = moment
        await self.m.save(update_fields=["next_meeting_at", "updated_at"])
        return Next("ladder_step")

    async def ask_ladder_step(self) -> Reply:
        return await recording.ask(self.m, self.draft, self.option)

    async def take_ladder_step(self, answer: Answer) -> Outcome:
        return await recording.take(self.m, self.staff, self.draft, answer.choice, "confirm")

    # Confirm and hand over ----------------------------------------------
    async def ask_confirm(self) -> Reply:
        return Reply(
            await summary_preview(self.m),
            [
                [self.option(_("Send it and plan the survey"), "send")],
                [self.option(_("Save without sending"), "save")],
            ],
        )

    async def take_confirm(self, answer: Answer) -> Outcome:
        if answer.choice not in ("send", "save"):
            return need_button()
        now = clock.now()
        self.m.closed_at = now
        await self.m.save(update_fields=["closed_at", "updated_at"])
        await campaign.schedule_follow_up(self.m)
        if answer.choice == "save":
            return Finish([Reply(_("Saved. The follow-up reminders are planned."))])
        person = await Attendee.filter(
            meeting=self.m, role=AttendeeRole.PERSON_IN_FOCUS
        ).values_list("id", flat=True)
        sent, _unused = await campaign.schedule_notice(self.m, now, "summary", "1", set(person))
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
        meeting.status in (MeetingStatus.DRAFT, MeetingStatus.PLANNED)
        and meeting.info_sent_at is not None
        and meeting.ends_at is not None
        and meeting.ends_at <= now
        and meeting.after_asked_at is None
    )
