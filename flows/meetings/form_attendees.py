"""`/new`, who else comes: each attendee's name, agency, role, why they come, how we
reach them and their consent; then the guard rails, each overridable with one tap."""

from __future__ import annotations

from flows.core import labels, limits
from flows.core.dialog import Finish, Invalid, Next, Outcome, Reply, Step, Taken
from flows.core.guard_rails import Caution, cautions, meeting_seats
from flows.core.i18n import _
from flows.meetings.form_base import (
    YES_NO,
    FormBase,
    first_name,
    mobile,
    one_line,
    phone_holder,
    phone_taken,
)
from flows.meetings.meeting_words import caution_lines
from storage.models import Agency, Attendee, AttendeeRole, Channel, Meeting, Person

ATTENDEE_ROLES = (
    AttendeeRole.REFERRER,
    AttendeeRole.AGENCY_STAFF,
    AttendeeRole.RELATIVE,
    AttendeeRole.INTERPRETER,
    AttendeeRole.OTHER,
)
AGENCIES = (
    Agency.ARBETSFORMEDLINGEN,
    Agency.FORSAKRINGSKASSAN,
    Agency.KOMMUN,
    Agency.REGION,
    Agency.OTHER,
    Agency.NONE,
)
NEW = ("attendee_name", "attendee_agency", "attendee_role", "attendee_why")  # draft keys


def attendee_name(text: str) -> str | Invalid:
    name = first_name(text)
    if name is None:
        return Invalid(_("Please write a name, at most {n} characters.", n=limits.FIRST_NAME))
    return name


def why_text(text: str) -> str | Invalid:
    why = one_line(text)
    if not why:
        return Invalid(_("Please write one line as a message."))
    if len(why) > limits.WHY:
        return Invalid(_("Please keep it to one line, at most {n} characters.", n=limits.WHY))
    return why


ATTENDEE_STEPS = {
    "attendee_name": Step(
        choices=("done",), text=attendee_name, store="attendee_name", next="attendee_agency"
    ),
    "attendee_agency": Step(
        choices=tuple(a.value for a in AGENCIES), store="attendee_agency", next="attendee_role"
    ),
    "attendee_role": Step(
        choices=tuple(r.value for r in ATTENDEE_ROLES), store="attendee_role", next="attendee_why"
    ),
    "attendee_why": Step(text=why_text, store="attendee_why", next="attendee_contact"),
    "attendee_contact": Step(choices=("telegram",), text="_attendee_phone"),
    "attendee_consent": Step(choices=YES_NO),
    "cautions": Step(choices=("accept", "add")),
}


async def meeting_cautions(meeting: Meeting) -> list[Caution]:
    return cautions(await meeting_seats(meeting), meeting.interpreter_needed)


class AttendeeSteps(FormBase):
    async def ask_attendee_name(self) -> Reply:
        count = await Attendee.filter(meeting=self.m).count()
        return Reply(
            _(
                "Who else comes? Write the name of one attendee. ({n} so far, with the person.)",
                n=count,
            ),
            [[self.option(_("No more attendees"), "done")]],
        )

    async def take_attendee_name(self, taken: Taken) -> Outcome | None:
        if taken.choice != "done":
            return None  # kept in the draft; on to the agency
        self.draft.pop("attendee_name", None)
        accepted = set(self.m.cautions_accepted)
        found = [c for c in await meeting_cautions(self.m) if c not in accepted]
        return Next("cautions") if found else Finish()

    async def ask_attendee_agency(self) -> Reply:
        return Reply(
            _("Where does {name} work?", name=self.draft["attendee_name"]),
            [[self.option(labels.agency(a), a.value)] for a in AGENCIES],
        )

    async def ask_attendee_role(self) -> Reply:
        return Reply(
            _("What is {name}'s role at the meeting?", name=self.draft["attendee_name"]),
            [[self.option(labels.role(r), r.value)] for r in ATTENDEE_ROLES],
        )

    async def ask_attendee_why(self) -> Reply:
        return Reply(
            _(
                "In one line and plain words: why is {name} there? "
                "The person will read this. Example: Helps you find a job.",
                name=self.draft["attendee_name"],
            )
        )

    async def ask_attendee_contact(self) -> Reply:
        return Reply(
            _(
                "How do we reach {name}? Write a mobile number, or tap Telegram.",
                name=self.draft["attendee_name"],
            ),
            [[self.option(_("Telegram"), "telegram")]],
        )

    async def _attendee_phone(self, text: str) -> str | Invalid:
        phone = mobile(text)
        if isinstance(phone, Invalid):
            return phone
        holder = await phone_holder(self.m, phone)
        return Invalid(phone_taken(holder)) if holder is not None else phone

    async def take_attendee_contact(self, taken: Taken) -> Outcome:
        if not set(NEW) <= self.draft.keys():
            return Next("attendee_name")
        name, agency, role, why = (self.draft.pop(key) for key in NEW)
        if taken.choice == "telegram":
            phone, channel = None, Channel.TELEGRAM
        else:
            phone, channel = taken.value, Channel.SMS
        person = await Person.create(
            team_id=self.staff.team_id,
            first_name=name,
            phone=phone,
            preferred_channel=channel,
            language=self.staff.language,
        )
        await Attendee.create(
            meeting=self.m,
            person=person,
            role=AttendeeRole(role),
            agency=Agency(agency),
            why=why,
        )
        self.draft["consent_for"] = person.id
        said = Reply(
            _(
                "Added: {name} ({agency}, {role}).",
                name=name,
                agency=labels.agency(Agency(agency)),
                role=labels.role(AttendeeRole(role)),
            )
        )
        return Next("attendee_consent", [said])

    async def ask_attendee_consent(self) -> Reply:
        person = await Person.get_or_none(id=self.draft.get("consent_for") or 0)
        if person is None:
            return await self.ask_attendee_name()
        return self._consent_question(person)

    async def take_attendee_consent(self, taken: Taken) -> Outcome:
        person = await Person.get_or_none(id=self.draft.pop("consent_for", None) or 0)
        if person is None:
            return Next("attendee_name")
        return await self._consent_answer(person, taken.choice or "")

    # Guard rails --------------------------------------------------------
    async def ask_cautions(self) -> Reply:
        lines = "\n".join(await caution_lines(self.m))
        return Reply(
            _("Before you go on:\n{lines}", lines=lines),
            [
                [self.option(_("Go on anyway"), "accept")],
                [self.option(_("Add an attendee"), "add")],
            ],
        )

    async def take_cautions(self, taken: Taken) -> Outcome:
        if taken.choice == "add":
            return Next("attendee_name")
        found = await meeting_cautions(self.m)
        self.m.cautions_accepted = sorted({*self.m.cautions_accepted, *found})
        await self.m.save(update_fields=["cautions_accepted", "updated_at"])
        return Finish()
