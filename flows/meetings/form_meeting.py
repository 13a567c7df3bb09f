"""`/new`, the meeting itself: purpose (with its readability), kind, time, length, place.

Each answer is written to the meeting at once (it starts as a draft); the same
steps edit one field of a prepared meeting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.core import labels, limits, lix, own_words
from flows.core.clock import clock
from flows.core.dialog import Invalid, Next, Outcome, Reply, Step, Taken
from flows.core.i18n import _
from flows.meetings.form_base import FormBase, one_line, purpose_text
from flows.meetings.form_when import (
    WHEN_CHOICES,
    confirmed_when,
    read_when,
    when_confirmation,
    when_problem,
)
from flows.meetings.when_parser import Refused
from flows.outbox import team_settings
from storage.models import Meeting, MeetingKind

LENGTHS = (45, 60, 90)
DEFAULT_LENGTH = 60
LONGEST = 8 * 60


def minutes(text: str) -> int | Invalid:
    raw = text.strip().removesuffix("min").strip()
    if not raw.isdigit() or not 15 <= int(raw) <= LONGEST:
        return Invalid(_("Please give the length in minutes, between 15 and 480."))
    return int(raw)


def place_text(text: str) -> str | Invalid:
    place = one_line(text)
    if not place:
        return Invalid(_("Please write the place as a message."))
    if len(place) > limits.PLACE:
        return Invalid(_("Please keep the place to at most {n} characters.", n=limits.PLACE))
    return place


MEETING_STEPS = {
    "purpose": Step(text=purpose_text),
    "purpose_hard": Step(choices=("keep", "again"), text=purpose_text),
    "purpose_for_person": Step(choices=("skip",), text=purpose_text),
    "kind": Step(choices=tuple(kind.value for kind in MeetingKind), next="when"),
    "when": Step(text="_read_when", next="when_confirm"),
    "when_confirm": Step(choices=WHEN_CHOICES),
    "length": Step(choices=tuple(str(n) for n in LENGTHS), text=minutes, next="place"),
    "place": Step(text=place_text),
}


class MeetingSteps(FormBase):
    # Purpose ------------------------------------------------------------
    async def ask_purpose(self) -> Reply:
        return Reply(
            _(
                "What is the meeting for? Write it in plain words, as you would say it "
                "to the person: what should be clarified or decided?"
            )
        )

    async def take_purpose(self, taken: Taken) -> Outcome:
        text = taken.value
        if self.meeting is None:
            self.meeting = await Meeting.create(
                team_id=self.staff.team_id,
                convenor=self.staff,
                timezone=await team_settings.zone_for_new_meeting(self.staff.team_id),
                purpose=text,
                language=self.staff.language,
            )
            self.state.meeting = self.meeting
        else:
            self.meeting.purpose = text
            own_words.clear(self.meeting, own_words.PURPOSE)  # the person's version is stale
            await self.meeting.save(update_fields=["purpose", "person_texts", "updated_at"])
            self.draft["changed"] = "purpose"
        score = round(lix.lix(text))
        if score > lix.HARD:
            return Next("purpose_hard")
        said = [Reply(_("Readability (LIX): {score}. Easy to read.", score=score))]
        return await self._after_purpose(said)

    async def _after_purpose(self, said: list[Reply] | None = None) -> Outcome:
        if self.editing and await own_words.foreign_reader(self.m) is not None:
            return Next("purpose_for_person", said or [])
        return self._then("kind", said)

    async def ask_purpose_for_person(self) -> Reply:
        person = await own_words.foreign_reader(self.m)
        language = person.language if person else self.m.language
        return Reply(
            _(
                "{name} gets messages in {language}. Please write the purpose in {language} "
                "too. If you skip this, {name} gets it in {own}, and the message says so.",
                name=person.first_name if person else "?",
                language=labels.language(language),
                own=labels.language(self.m.language),
            ),
            [[self.option(_("Skip"), "skip")]],
        )

    async def take_purpose_for_person(self, taken: Taken) -> Outcome:
        person = await own_words.foreign_reader(self.m)
        if taken.choice is None and person is not None:
            own_words.store(self.m, own_words.PURPOSE, person.language, taken.value)
            await self.m.save(update_fields=["person_texts", "updated_at"])
        return self._then("interpreter")

    async def ask_purpose_hard(self) -> Reply:
        return Reply(
            _(
                "Readability (LIX): {score}. That is hard to read (over 40). "
                "Hint: shorter sentences, fewer long words.",
                score=round(lix.lix(self.m.purpose)),
            ),
            [[self.option(_("Keep it"), "keep"), self.option(_("Write it again"), "again")]],
        )

    async def take_purpose_hard(self, taken: Taken) -> Outcome:
        if taken.choice == "again":
            return Next("purpose")
        if taken.choice == "keep":
            return await self._after_purpose()
        return await self.take_purpose(taken)  # a rewrite typed straight away

    # Kind ---------------------------------------------------------------
    async def ask_kind(self) -> Reply:
        return Reply(
            _("What kind of meeting is it?"),
            [[self.option(labels.kind(kind), kind.value)] for kind in MeetingKind],
        )

    async def take_kind(self, taken: Taken) -> None:
        self.m.kind = MeetingKind(taken.choice)
        await self.m.save(update_fields=["kind", "updated_at"])

    # Date and time ------------------------------------------------------
    async def ask_when(self) -> Reply:
        return Reply(
            _(
                "When is the meeting? For example 3 december 10:00, friday 13:00, "
                "tomorrow 9.30 or 3/12 10:00."
            )
        )

    def _read_when(self, text: str) -> dict | Invalid:
        read = read_when(text, clock.now(), self.m.timezone)
        return Invalid(when_problem(read)) if isinstance(read, Refused) else read

    async def take_when(self, taken: Taken) -> None:
        self.draft.update(taken.value)

    async def ask_when_confirm(self) -> Reply:
        return when_confirmation(self.draft, self.m.timezone, self.option)

    async def take_when_confirm(self, taken: Taken) -> Outcome:
        moment = confirmed_when(self.draft, taken, again="when")
        if not isinstance(moment, datetime):
            return moment
        length = (
            self.m.ends_at - self.m.starts_at
            if self.m.starts_at and self.m.ends_at
            else timedelta(minutes=DEFAULT_LENGTH)
        )
        self.m.starts_at, self.m.ends_at = moment, moment + length
        await self.m.save(update_fields=["starts_at", "ends_at", "updated_at"])
        self.draft["changed"] = "when"
        return self._then("length")

    # Length -------------------------------------------------------------
    async def ask_length(self) -> Reply:
        buttons = [
            self.option(_("{n} min", n=n) + (" ✓" if n == DEFAULT_LENGTH else ""), str(n))
            for n in LENGTHS
        ]
        return Reply(
            _("How long is the meeting? Tap one, or write the minutes (usually 45-60)."),
            [buttons],
        )

    async def take_length(self, taken: Taken) -> None:
        assert self.m.starts_at is not None
        self.m.ends_at = self.m.starts_at + timedelta(minutes=int(taken.given))
        await self.m.save(update_fields=["ends_at", "updated_at"])

    # Place --------------------------------------------------------------
    async def ask_place(self) -> Reply:
        return Reply(_("Where is the meeting? A room and address, or a video link."))

    async def take_place(self, taken: Taken) -> Outcome:
        self.m.place = taken.value
        await self.m.save(update_fields=["place", "updated_at"])
        self.draft["changed"] = "place"
        return self._then("person_name")
