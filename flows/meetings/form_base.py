"""What the steps of `/new` share: editing one field, the person's language, the
text validators, phone numbers in one meeting, and consent to be contacted."""

from __future__ import annotations

from flows.core import labels, limits
from flows.core.clock import clock
from flows.core.dialog import Finish, Invalid, Next, Outcome, Reply, StepFlow
from flows.core.i18n import _
from flows.core.phone import InvalidPhone, to_e164
from flows.outcomes import followup
from storage.models import Channel, Consent, ConsentKind, Meeting, Person

YES_NO = ("yes", "no")


def one_line(text: str) -> str:
    return " ".join(text.split())


def purpose_text(text: str) -> str | Invalid:
    purpose = one_line(text)
    if not purpose:
        return Invalid(_("Please write the purpose as a message."))
    if len(purpose) > limits.PURPOSE:
        return Invalid(_("Please keep the purpose to at most {n} characters.", n=limits.PURPOSE))
    return purpose


def first_name(text: str | None) -> str | None:
    """A first name: letters, spaces and dashes, at most limits.FIRST_NAME characters."""
    name = one_line(text or "")
    if not name or len(name) > limits.FIRST_NAME or not any(ch.isalpha() for ch in name):
        return None
    return name


def mobile(text: str) -> str | Invalid:
    try:
        return to_e164(text)
    except InvalidPhone:
        return Invalid(_("That is not a mobile number I can use. Example: 070-123 45 67."))


async def phone_holder(meeting: Meeting, phone: str, but: int | None = None) -> Person | None:
    """Who in this meeting already has this number (E.164), other than person `but`.
    One phone number is one person: a reply from it must mean one seat."""
    return (
        await Person.filter(attendances__meeting=meeting, phone=phone).exclude(id=but or 0).first()
    )


def phone_taken(holder: Person) -> str:
    return _(
        "That number is already {name}'s, in this meeting. Each person needs their own number.",
        name=holder.first_name,
    )


async def record_contact_consent(person: Person, staff_id: int, given_to: str) -> None:
    kind = (
        ConsentKind.CONTACT_TELEGRAM
        if person.preferred_channel is Channel.TELEGRAM
        else ConsentKind.CONTACT_SMS
    )
    if not await Consent.filter(person=person, kind=kind, withdrawn_at=None).exists():
        await Consent.create(
            person=person,
            kind=kind,
            given_to=given_to,
            recorded_by_id=staff_id,
            given_at=clock.now(),
        )


class FormBase(StepFlow):
    @property
    def editing(self) -> bool:
        return bool(self.draft.get("editing"))

    @property
    def m(self) -> Meeting:
        assert self.meeting is not None
        return self.meeting

    def _then(self, step: str, said: list[Reply] | None = None) -> Outcome:
        """The next question, or the end of an edit of one field."""
        if self.editing:
            return Finish(said or [])
        return Next(step, said or [])

    async def _person(self) -> Person:
        return await Person.get(id=self.draft["person_id"])

    def _consent_question(self, person: Person, *, outcome: bool = False) -> Reply:
        """The contact consent; for the person in focus (`outcome`) also, in the same
        tap, the consent to one question a few months on (flows.outcomes)."""
        buttons = [[self.option(_("Yes, record it now"), "yes")]]
        if outcome:
            buttons.append([self.option(_("Yes, and to one question in a few months"), "both")])
        buttons.append([self.option(_("Not yet"), "no")])
        return Reply(
            _(
                "Has {name} agreed that we contact them by {channel} about this meeting?",
                name=person.first_name,
                channel=labels.channel(person.preferred_channel),
            ),
            buttons,
        )

    async def _consent_answer(self, person: Person, choice: str) -> Outcome:
        """Everyone we write to needs a recorded consent: 'not yet' means no messages."""
        if choice in ("yes", "both"):
            await record_contact_consent(person, self.staff.id, (await self.staff.team).name)
            if choice == "both":
                await followup.record_consent(person, self.staff, clock.now())
            return Next("attendee_name")
        said = Reply(
            _(
                "Then {name} gets no messages from us. Record the consent later "
                "from the meeting card.",
                name=person.first_name,
            )
        )
        return Next("attendee_name", [said])
