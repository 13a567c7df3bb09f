"""`/after`'s shared ground: the outcomes, the checks of written notes, and what every
step of the close form reads (the meeting, its attendees, a typed day or time)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flows.core import labels
from flows.core.clock import clock
from flows.core.dialog import Invalid, StepFlow
from flows.core.i18n import _
from flows.meetings.form_when import (
    read_when,
    when_problem,
)
from flows.meetings.when_parser import Refused, parse_day
from flows.outbox.schedule import next_working_day_after
from storage.models import (
    Attendee,
    Meeting,
    MeetingStatus,
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


def written(text: str) -> str | Invalid:
    """Notes as written (trimmed); nothing written is not an answer here."""
    return text.strip() or Invalid(_("Please tap one of the buttons."))


def action_text(text: str) -> str | Invalid:
    what = written(text)
    if isinstance(what, str) and len(what) > 300:
        return Invalid(_("Please keep one item under 300 characters."))
    return what


class CloseBase(StepFlow):
    """What the /after steps share; the steps are in close_plan and meeting_close."""

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

    async def _owner_choices(self) -> list[str]:
        return [f"a{a.id}" for a in await self._attendees()]

    def _read_when(self, text: str) -> dict | Invalid:
        read = read_when(text, clock.now(), self.m.timezone)
        return Invalid(when_problem(read)) if isinstance(read, Refused) else read

    def _read_day(self, text: str) -> date | Invalid:
        due = parse_day(text, self._today())
        return Invalid(when_problem(due)) if isinstance(due, Refused) else due
