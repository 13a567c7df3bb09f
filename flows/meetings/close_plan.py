"""`/after`, the plan: the action items (what, who, by when), who gets back to the person
and by when, and the next meeting."""

from __future__ import annotations

from datetime import date, datetime

from flows.core import labels
from flows.core.dialog import Next, Outcome, Reply, Taken
from flows.core.i18n import _
from flows.meetings.close_base import (
    FEEDBACK_WORKING_DAYS,
    CloseBase,
    working_days_after,
)
from flows.meetings.form_when import (
    confirmed_when,
    when_confirmation,
)
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeRole,
)


class PlanSteps(CloseBase):
    async def ask_action_what(self) -> Reply:
        count = await ActionItem.filter(meeting=self.m).count()
        return Reply(
            _("Action plan: what is to be done? One item per message. ({n} so far.)", n=count),
            [[self.option(_("No more items"), "done")]],
        )

    async def take_action_what(self, taken: Taken) -> Outcome:
        if taken.choice == "done":
            if not await self._feedback_candidates():
                await self._set_feedback_owner(None)
                return Next(
                    "feedback_by",
                    [Reply(_("You get back to the person yourself: nobody else was there."))],
                )
            return Next("feedback_owner")
        self.draft["action"] = {"what": taken.value}
        return Next("action_owner")

    async def ask_action_owner(self) -> Reply:
        return Reply(_("Who does it?"), await self._attendee_buttons("a"))

    async def take_action_owner(self, taken: Taken) -> Outcome | None:
        if "action" not in self.draft:
            return Next("action_what")
        self.draft["action"]["owner"] = int((taken.choice or "").removeprefix("a"))
        return None

    async def ask_action_due(self) -> Reply:
        return Reply(_("By when? For example 2026-12-10, 10/12 or friday."))

    async def take_action_due(self, taken: Taken) -> Outcome:
        due = taken.value
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

    async def _feedback_choices(self) -> list[str]:
        return ["me", *(f"f{a.id}" for a in await self._feedback_candidates())]

    async def take_feedback_owner(self, taken: Taken) -> None:
        giver = None if taken.choice == "me" else int((taken.choice or "").removeprefix("f"))
        await self._set_feedback_owner(giver)

    def _default_feedback_day(self) -> date:
        return working_days_after(self._today(), FEEDBACK_WORKING_DAYS)

    async def ask_feedback_by(self) -> Reply:
        day = self._default_feedback_day()
        return Reply(
            _("By when? Tap the default (5 working days) or write a date."),
            [[self.option(day.isoformat(), day.isoformat())]],
        )

    async def _feedback_day_choices(self) -> tuple[str]:
        return (self._default_feedback_day().isoformat(),)

    async def take_feedback_by(self, taken: Taken) -> Outcome:
        due = date.fromisoformat(taken.choice) if taken.choice else taken.value
        self.m.feedback_due = due
        await self.m.save(update_fields=["feedback_due", "updated_at"])
        return Next("next_meeting")

    async def ask_next_meeting(self) -> Reply:
        return Reply(
            _("Is there a next meeting? Write its date and time, or tap No."),
            [[self.option(_("No"), "none")]],
        )

    async def take_next_meeting(self, taken: Taken) -> Outcome:
        if taken.choice == "none":
            self.m.next_meeting_at = None
            await self.m.save(update_fields=["next_meeting_at", "updated_at"])
            return Next("ladder_step")
        self.draft.update(taken.value)
        return Next("next_meeting_confirm")

    async def ask_next_meeting_confirm(self) -> Reply:
        return when_confirmation(self.draft, self.m.timezone, self.option)

    async def take_next_meeting_confirm(self, taken: Taken) -> Outcome | None:
        moment = confirmed_when(self.draft, taken, again="next_meeting")
        if not isinstance(moment, datetime):
            return moment
        self.m.next_meeting_at = moment
        await self.m.save(update_fields=["next_meeting_at", "updated_at"])
        return None
