"""`/new`, the person in focus: first name, language, interpreter, how they get
messages, their number and their consent to be contacted."""

from __future__ import annotations

from flows.core import labels, limits, own_words
from flows.core.dialog import Invalid, Next, Outcome, Reply, Step, Taken
from flows.core.i18n import SUPPORTED, _
from flows.meetings.form_base import YES_NO, FormBase, first_name, mobile, phone_holder, phone_taken
from storage.models import Attendee, AttendeeRole, Channel, Person


def person_name(text: str) -> str | Invalid:
    name = first_name(text)
    if name is None:
        return Invalid(_("Please write a first name, at most {n} characters.", n=limits.FIRST_NAME))
    return name


PERSON_STEPS = {
    "person_name": Step(text=person_name, next="person_language"),
    "person_language": Step(choices=SUPPORTED),
    "interpreter": Step(choices=YES_NO, next="person_channel"),
    "person_channel": Step(choices=tuple(ch.value for ch in Channel), next="person_phone"),
    "person_phone": Step(choices="_phone_choices", text="_person_phone", next="person_consent"),
    "person_consent": Step(choices=("yes", "both", "no")),
}


class PersonSteps(FormBase):
    async def ask_person_name(self) -> Reply:
        return Reply(
            _(
                "Who is the meeting about? Write their first name only "
                "(we keep as little as we can)."
            )
        )

    async def take_person_name(self, taken: Taken) -> None:
        person = await Person.create(team_id=self.staff.team_id, first_name=taken.value)
        await Attendee.create(
            meeting=self.m,
            person=person,
            role=AttendeeRole.PERSON_IN_FOCUS,
            why="",  # worded when shown, in the reader's language (labels.attendee_why)
        )
        self.draft["person_id"] = person.id

    async def ask_person_language(self) -> Reply:
        person = await self._person()
        return Reply(
            _("Which language should {name} get messages in?", name=person.first_name),
            [[self.option(labels.LANGUAGE_NAMES[code], code) for code in SUPPORTED]],
        )

    async def take_person_language(self, taken: Taken) -> Outcome:
        await Person.filter(id=self.draft["person_id"]).update(language=taken.choice)
        if await own_words.foreign_reader(self.m) is not None:
            return Next("purpose_for_person")
        return Next("interpreter")

    async def ask_interpreter(self) -> Reply:
        return Reply(
            _("Is an interpreter needed at the meeting?"),
            [[self.option(_("Yes"), "yes"), self.option(_("No"), "no")]],
        )

    async def take_interpreter(self, taken: Taken) -> None:
        self.m.interpreter_needed = taken.choice == "yes"
        await self.m.save(update_fields=["interpreter_needed", "updated_at"])

    async def ask_person_channel(self) -> Reply:
        person = await self._person()
        return Reply(
            _("How does {name} want to get messages?", name=person.first_name),
            [[self.option(labels.channel(ch), ch.value) for ch in Channel]],
        )

    async def take_person_channel(self, taken: Taken) -> None:
        await Person.filter(id=self.draft["person_id"]).update(
            preferred_channel=Channel(taken.choice)
        )

    async def _phone_choices(self) -> tuple[str, ...]:
        """Only someone who reads Telegram may go without a number."""
        person = await self._person()
        return ("skip",) if person.preferred_channel is Channel.TELEGRAM else ()

    async def ask_person_phone(self) -> Reply:
        person = await self._person()
        buttons = []
        if "skip" in await self._phone_choices():
            buttons = [[self.option(_("No phone number"), "skip")]]
        return Reply(_("What is {name}'s mobile number?", name=person.first_name), buttons)

    async def _person_phone(self, text: str) -> str | Invalid:
        phone = mobile(text)
        if isinstance(phone, Invalid):
            return phone
        holder = await phone_holder(self.m, phone, but=self.draft["person_id"])
        return Invalid(phone_taken(holder)) if holder is not None else phone

    async def take_person_phone(self, taken: Taken) -> None:
        if taken.choice is None:
            person = await self._person()
            person.phone = taken.value
            await person.save(update_fields=["phone", "updated_at"])

    async def ask_person_consent(self) -> Reply:
        return self._consent_question(await self._person(), outcome=True)

    async def take_person_consent(self, taken: Taken) -> Outcome:
        return await self._consent_answer(await self._person(), taken.choice or "")
