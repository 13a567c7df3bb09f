"""`/new`: the convenor prepares a meeting, one question at a time.

Each answer is written to the meeting at once (it starts as a draft), so
`/prep` after a restart resumes at the question that was open, with nothing
typed before lost. The same steps edit one field of a prepared meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from flows.core import labels, limits, lix, own_words
from flows.core.clock import clock
from flows.core.dialog import (
    Again,
    Answer,
    Button,
    Finish,
    Next,
    Outcome,
    Reply,
    StepFlow,
    need_button,
)
from flows.core.guard_rails import Caution, cautions, meeting_seats
from flows.core.i18n import SUPPORTED, _, current_locale
from flows.core.phone import InvalidPhone, to_e164
from flows.meetings import meeting_card, meeting_changes
from flows.meetings.meeting_words import caution_lines, moment_text
from flows.meetings.when_parser import Refused, WhenProblem, day_reading, parse_when, repeated_hour
from flows.outbox import team_settings
from storage.models import (
    Agency,
    Attendee,
    AttendeeRole,
    Channel,
    Consent,
    ConsentKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Person,
)

LENGTHS = (45, 60, 90)
DEFAULT_LENGTH = 60
LONGEST = 8 * 60
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
EDITABLE = ("when", "place", "purpose")


def day_text(day: date) -> str:
    """'tisdag 24 november 2026' in the reader's language."""
    return format_date(day, "EEEE d MMMM y", locale=current_locale())


def _wall_text(moment: datetime) -> str:
    """A wall-clock moment in its own zone, as moment_text shows it."""
    return format_datetime(
        moment, "EEEE d MMMM y, HH:mm", tzinfo=moment.tzinfo, locale=current_locale()
    )


def when_problem(refused: Refused) -> str:
    """Why a date was refused, naming what was read where that helps."""
    read = refused.read
    if refused.problem is WhenProblem.PAST and isinstance(read, datetime):
        return _("{moment} has already passed. Please give a time ahead.", moment=_wall_text(read))
    if refused.problem is WhenProblem.PAST and isinstance(read, date):
        return _("{day} has already passed. Please give a day ahead.", day=day_text(read))
    if refused.problem is WhenProblem.NO_SUCH_DATE and isinstance(read, datetime):
        return _(
            "The clocks go forward one hour that night, so {day} has no {time}. "
            "Please choose another time.",
            day=day_text(read.date()),
            time=read.strftime("%H:%M"),
        )
    if refused.problem is WhenProblem.NO_TIME and isinstance(read, date):
        return _(
            "I read {day}, but the meeting needs a time too. Please write the day and "
            "the time together, for example {example}.",
            day=day_text(read),
            example=f"{read.day}/{read.month} 10:00",
        )
    if refused.problem is WhenProblem.WRONG_WEEKDAY and isinstance(read, date):
        asked = read + timedelta(days=(refused.weekday or 0) - read.weekday())
        return _(
            "{day} is not a {weekday}. Please check the day and the date.",
            day=day_text(read),
            weekday=format_date(asked, "EEEE", locale=current_locale()),
        )
    return {
        WhenProblem.UNCLEAR: _(
            "I could not read that as a date and time. Try for example "
            "2026-12-03 10:00, 3/12 10:00, tuesday 10:00 or tomorrow 9."
        ),
        WhenProblem.NO_SUCH_DATE: _("That date or time does not exist. Please check it."),
        WhenProblem.PAST: _("That time has already passed. Please give a time ahead."),
        WhenProblem.NO_TIME: _("Please write the time too, for example tuesday 10:00."),
        WhenProblem.WRONG_WEEKDAY: _("That weekday and that date do not match. Please check them."),
        WhenProblem.TOO_FAR: _("That is more than five years ahead. Please check the year."),
    }[refused.problem]


def read_when(text: str, now: datetime, tz: str) -> dict[str, str | None] | Refused:
    """What the convenor typed, as a draft for `when_confirm`: the moment, and what
    else it might have meant (a Friday the 13th, the second 02:30 of an autumn night)."""
    zone = ZoneInfo(tz)
    moment = parse_when(text, now, zone)
    if isinstance(moment, Refused):
        return moment
    second, day = repeated_hour(moment, zone), day_reading(text, now, zone)
    return {
        "when": moment.isoformat(),
        "when_second": second.isoformat() if second else None,
        "when_day": day.isoformat() if day else None,
    }


def when_confirmation(draft: dict, tz: str, option: Callable[[str, str], Button]) -> Reply:
    """The full date back to the convenor, with buttons; the autumn night's hour that
    comes twice is named and chosen."""
    moment = datetime.fromisoformat(draft["when"])
    shown = moment_text(moment, tz)
    no = option(_("No, I will write it again"), "no")
    if draft.get("when_second"):
        wall = moment.astimezone(ZoneInfo(tz)).strftime("%H:%M")
        text = _(
            "I understood: {moment}. The clocks go back one hour that night, so {time} "
            "comes twice. Which one?",
            moment=shown,
            time=wall,
        )
        buttons: list[list[Button]] = [
            [option(_("The first {time} (summer time)", time=wall), "yes")],
            [option(_("The second {time} (winter time)", time=wall), "second")],
            [no],
        ]
        return Reply(text, buttons)
    text = _("I understood: {moment}. Is that right?", moment=shown)
    if draft.get("when_day"):
        day = date.fromisoformat(draft["when_day"])
        text += "\n" + _(
            "If you meant {day}, write the date and the time, for example {example}.",
            day=day_text(day),
            example=f"{day.day}/{day.month} 10:00",
        )
    return Reply(text, [[option(_("Yes"), "yes"), no]])


def confirmed_when(draft: dict, answer: Answer, again: str) -> datetime | Outcome:
    """The moment the convenor confirmed; else what to do: the step `again` (to write
    it again, or because it is too late now), or tap a button."""
    if answer.choice == "no":
        for key in ("when", "when_second", "when_day"):
            draft.pop(key, None)
        return Next(again)
    if answer.choice not in ("yes", "second") or "when" not in draft:
        return need_button()
    first, second = draft.pop("when"), draft.pop("when_second", None)
    draft.pop("when_day", None)
    moment = datetime.fromisoformat(second if answer.choice == "second" and second else first)
    if moment <= clock.now():  # confirmed too late
        return Next(again, [Reply(when_problem(Refused(WhenProblem.PAST)))])
    return moment


async def meeting_cautions(meeting: Meeting) -> list[Caution]:
    return cautions(await meeting_seats(meeting), meeting.interpreter_needed)


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


def _name(text: str | None) -> str | None:
    """A first name: letters, spaces and dashes, at most limits.FIRST_NAME characters."""
    name = " ".join((text or "").split())
    if not name or len(name) > limits.FIRST_NAME or not any(ch.isalpha() for ch in name):
        return None
    return name


class MeetingForm(StepFlow):
    name = "new"
    first_step = "purpose"

    @property
    def editing(self) -> bool:
        return bool(self.draft.get("editing"))

    def _then(self, step: str, said: list[Reply] | None = None) -> Outcome:
        """The next question, or the end of an edit of one field."""
        if self.editing:
            return Finish(said or [])
        return Next(step, said or [])

    # Purpose ------------------------------------------------------------
    async def ask_purpose(self) -> Reply:
        return Reply(
            _(
                "What is the meeting for? Write it in plain words, as you would say it "
                "to the person: what should be clarified or decided?"
            )
        )

    async def take_purpose(self, answer: Answer) -> Outcome:
        text = " ".join((answer.text or "").split())
        if not text:
            return Again(_("Please write the purpose as a message."))
        if len(text) > limits.PURPOSE:
            return Again(_("Please keep the purpose to at most {n} characters.", n=limits.PURPOSE))
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
        if self.editing and await self._reader_language() is not None:
            return Next("purpose_for_person", said or [])
        return self._then("kind", said)

    async def _reader_language(self) -> tuple[Person, str] | None:
        """The person in focus and their language, when it is not the convenor's."""
        assert self.meeting is not None
        attendee = await Attendee.get_or_none(
            meeting=self.meeting, role=AttendeeRole.PERSON_IN_FOCUS
        ).prefetch_related("person")
        person = attendee.person if attendee else None
        if person is None or not own_words.differs(self.meeting, person.language):
            return None
        return person, person.language

    async def ask_purpose_for_person(self) -> Reply:
        assert self.meeting is not None
        found = await self._reader_language()
        person, language = found if found else (None, self.meeting.language)
        return Reply(
            _(
                "{name} gets messages in {language}. Please write the purpose in {language} "
                "too. If you skip this, {name} gets it in {own}, and the message says so.",
                name=person.first_name if person else "?",
                language=labels.language(language),
                own=labels.language(self.meeting.language),
            ),
            [[self.option(_("Skip"), "skip")]],
        )

    async def take_purpose_for_person(self, answer: Answer) -> Outcome:
        assert self.meeting is not None
        found = await self._reader_language()
        if answer.choice != "skip":
            text = " ".join((answer.text or "").split())
            if not text:
                return need_button()
            if len(text) > limits.PURPOSE:
                return Again(
                    _("Please keep the purpose to at most {n} characters.", n=limits.PURPOSE)
                )
            if found is not None:
                own_words.store(self.meeting, own_words.PURPOSE, found[1], text)
                await self.meeting.save(update_fields=["person_texts", "updated_at"])
        return self._then("interpreter")

    async def ask_purpose_hard(self) -> Reply:
        assert self.meeting is not None
        return Reply(
            _(
                "Readability (LIX): {score}. That is hard to read (over 40). "
                "Hint: shorter sentences, fewer long words.",
                score=round(lix.lix(self.meeting.purpose)),
            ),
            [[self.option(_("Keep it"), "keep"), self.option(_("Write it again"), "again")]],
        )

    async def take_purpose_hard(self, answer: Answer) -> Outcome:
        if answer.choice == "again":
            return Next("purpose")
        if answer.choice == "keep":
            return await self._after_purpose()
        if answer.text:  # a rewrite typed straight away
            return await self.take_purpose(answer)
        return need_button()

    # Kind ---------------------------------------------------------------
    async def ask_kind(self) -> Reply:
        return Reply(
            _("What kind of meeting is it?"),
            [[self.option(labels.kind(kind), kind.value)] for kind in MeetingKind],
        )

    async def take_kind(self, answer: Answer) -> Outcome:
        if answer.choice not in {kind.value for kind in MeetingKind}:
            return need_button()
        assert self.meeting is not None
        self.meeting.kind = MeetingKind(answer.choice)
        await self.meeting.save(update_fields=["kind", "updated_at"])
        return Next("when")

    # Date and time ------------------------------------------------------
    async def ask_when(self) -> Reply:
        return Reply(
            _(
                "When is the meeting? For example 3 december 10:00, friday 13:00, "
                "tomorrow 9.30 or 3/12 10:00."
            )
        )

    async def take_when(self, answer: Answer) -> Outcome:
        if answer.text is None:
            return Again(_("Please write the date and time as a message."))
        assert self.meeting is not None
        read = read_when(answer.text, clock.now(), self.meeting.timezone)
        if isinstance(read, Refused):
            return Again(when_problem(read))
        self.draft.update(read)
        return Next("when_confirm")

    async def ask_when_confirm(self) -> Reply:
        assert self.meeting is not None
        return when_confirmation(self.draft, self.meeting.timezone, self.option)

    async def take_when_confirm(self, answer: Answer) -> Outcome:
        moment = confirmed_when(self.draft, answer, again="when")
        if not isinstance(moment, datetime):
            return moment
        assert self.meeting is not None
        length = (
            self.meeting.ends_at - self.meeting.starts_at
            if self.meeting.starts_at and self.meeting.ends_at
            else timedelta(minutes=DEFAULT_LENGTH)
        )
        self.meeting.starts_at, self.meeting.ends_at = moment, moment + length
        await self.meeting.save(update_fields=["starts_at", "ends_at", "updated_at"])
        self.draft["changed"] = "when"
        return self._then("length")

    # Length -------------------------------------------------------------
    async def ask_length(self) -> Reply:
        buttons = [
            self.option(
                _("{n} min", n=minutes) + (" ✓" if minutes == DEFAULT_LENGTH else ""), str(minutes)
            )
            for minutes in LENGTHS
        ]
        return Reply(
            _("How long is the meeting? Tap one, or write the minutes (usually 45-60)."),
            [buttons],
        )

    async def take_length(self, answer: Answer) -> Outcome:
        raw = (answer.choice or answer.text or "").strip().removesuffix("min").strip()
        if not raw.isdigit() or not 15 <= int(raw) <= LONGEST:
            return Again(_("Please give the length in minutes, between 15 and 480."))
        assert self.meeting is not None and self.meeting.starts_at is not None
        self.meeting.ends_at = self.meeting.starts_at + timedelta(minutes=int(raw))
        await self.meeting.save(update_fields=["ends_at", "updated_at"])
        return Next("place")

    # Place --------------------------------------------------------------
    async def ask_place(self) -> Reply:
        return Reply(_("Where is the meeting? A room and address, or a video link."))

    async def take_place(self, answer: Answer) -> Outcome:
        place = " ".join((answer.text or "").split())
        if not place:
            return Again(_("Please write the place as a message."))
        if len(place) > limits.PLACE:
            return Again(_("Please keep the place to at most {n} characters.", n=limits.PLACE))
        assert self.meeting is not None
        self.meeting.place = place
        await self.meeting.save(update_fields=["place", "updated_at"])
        self.draft["changed"] = "place"
        return self._then("person_name")

    # The person in focus ------------------------------------------------
    async def ask_person_name(self) -> Reply:
        return Reply(
            _(
                "Who is the meeting about? Write their first name only "
                "(we keep as little as we can)."
            )
        )

    async def take_person_name(self, answer: Answer) -> Outcome:
        name = _name(answer.text)
        if name is None:
            return Again(
                _("Please write a first name, at most {n} characters.", n=limits.FIRST_NAME)
            )
        assert self.meeting is not None
        person = await Person.create(team_id=self.staff.team_id, first_name=name)
        await Attendee.create(
            meeting=self.meeting,
            person=person,
            role=AttendeeRole.PERSON_IN_FOCUS,
            why="",  # worded when shown, in the reader's language (labels.attendee_why)
        )
        self.draft["person_id"] = person.id
        return Next("person_language")

    async def _person(self) -> Person:
        return await Person.get(id=self.draft["person_id"])

    async def ask_person_language(self) -> Reply:
        person = await self._person()
        return Reply(
            _("Which language should {name} get messages in?", name=person.first_name),
            [[self.option(labels.LANGUAGE_NAMES[code], code) for code in SUPPORTED]],
        )

    async def take_person_language(self, answer: Answer) -> Outcome:
        if answer.choice not in SUPPORTED:
            return need_button()
        await Person.filter(id=self.draft["person_id"]).update(language=answer.choice)
        if await self._reader_language() is not None:
            return Next("purpose_for_person")
        return Next("interpreter")

    async def ask_interpreter(self) -> Reply:
        return Reply(
            _("Is an interpreter needed at the meeting?"),
            [[self.option(_("Yes"), "yes"), self.option(_("No"), "no")]],
        )

    async def take_interpreter(self, answer: Answer) -> Outcome:
        if answer.choice not in ("yes", "no"):
            return need_button()
        assert self.meeting is not None
        self.meeting.interpreter_needed = answer.choice == "yes"
        await self.meeting.save(update_fields=["interpreter_needed", "updated_at"])
        return Next("person_channel")

    async def ask_person_channel(self) -> Reply:
        person = await self._person()
        return Reply(
            _("How does {name} want to get messages?", name=person.first_name),
            [[self.option(labels.channel(ch), ch.value) for ch in Channel]],
        )

    async def take_person_channel(self, answer: Answer) -> Outcome:
        if answer.choice not in {ch.value for ch in Channel}:
            return need_button()
        await Person.filter(id=self.draft["person_id"]).update(
            preferred_channel=Channel(answer.choice)
        )
        return Next("person_phone")

    async def ask_person_phone(self) -> Reply:
        person = await self._person()
        buttons = []
        if person.preferred_channel is Channel.TELEGRAM:
            buttons = [[self.option(_("No phone number"), "skip")]]
        return Reply(_("What is {name}'s mobile number?", name=person.first_name), buttons)

    async def take_person_phone(self, answer: Answer) -> Outcome:
        person = await self._person()
        if answer.choice == "skip" and person.preferred_channel is Channel.TELEGRAM:
            return Next("person_consent")
        try:
            phone = to_e164(answer.text or "")
        except InvalidPhone:
            return Again(_("That is not a mobile number I can use. Example: 070-123 45 67."))
        assert self.meeting is not None
        holder = await phone_holder(self.meeting, phone, but=person.id)
        if holder is not None:
            return Again(phone_taken(holder))
        person.phone = phone
        await person.save(update_fields=["phone", "updated_at"])
        return Next("person_consent")

    async def ask_person_consent(self) -> Reply:
        return self._consent_question(await self._person())

    async def take_person_consent(self, answer: Answer) -> Outcome:
        if answer.choice not in ("yes", "no"):
            return need_button()
        return await self._consent_answer(await self._person(), answer.choice)

    def _consent_question(self, person: Person) -> Reply:
        return Reply(
            _(
                "Has {name} agreed that we contact them by {channel} about this meeting?",
                name=person.first_name,
                channel=labels.channel(person.preferred_channel),
            ),
            [
                [self.option(_("Yes, record it now"), "yes")],
                [self.option(_("Not yet"), "no")],
            ],
        )

    async def _consent_answer(self, person: Person, choice: str) -> Outcome:
        """Everyone we write to needs a recorded consent: 'not yet' means no messages."""
        if choice == "yes":
            await record_contact_consent(person, self.staff.id, (await self.staff.team).name)
            return Next("attendee_name")
        said = Reply(
            _(
                "Then {name} gets no messages from us. Record the consent later "
                "from the meeting card.",
                name=person.first_name,
            )
        )
        return Next("attendee_name", [said])

    # Attendees ----------------------------------------------------------
    async def ask_attendee_name(self) -> Reply:
        assert self.meeting is not None
        count = await Attendee.filter(meeting=self.meeting).count()
        return Reply(
            _(
                "Who else comes? Write the name of one attendee. ({n} so far, with the person.)",
                n=count,
            ),
            [[self.option(_("No more attendees"), "done")]],
        )

    async def take_attendee_name(self, answer: Answer) -> Outcome:
        if answer.choice == "done":
            assert self.meeting is not None
            accepted = set(self.meeting.cautions_accepted)
            found = [c for c in await meeting_cautions(self.meeting) if c not in accepted]
            return Next("cautions") if found else Finish()
        name = _name(answer.text)
        if name is None:
            return Again(_("Please write a name, at most {n} characters.", n=limits.FIRST_NAME))
        self.draft["attendee"] = {"name": name}
        return Next("attendee_agency")

    async def ask_attendee_agency(self) -> Reply:
        return Reply(
            _("Where does {name} work?", name=self.draft["attendee"]["name"]),
            [[self.option(labels.agency(a), a.value)] for a in AGENCIES],
        )

    async def take_attendee_agency(self, answer: Answer) -> Outcome:
        if answer.choice not in {a.value for a in AGENCIES}:
            return need_button()
        self.draft["attendee"]["agency"] = answer.choice
        return Next("attendee_role")

    async def ask_attendee_role(self) -> Reply:
        return Reply(
            _("What is {name}'s role at the meeting?", name=self.draft["attendee"]["name"]),
            [[self.option(labels.role(r), r.value)] for r in ATTENDEE_ROLES],
        )

    async def take_attendee_role(self, answer: Answer) -> Outcome:
        if answer.choice not in {r.value for r in ATTENDEE_ROLES}:
            return need_button()
        self.draft["attendee"]["role"] = answer.choice
        return Next("attendee_why")

    async def ask_attendee_why(self) -> Reply:
        return Reply(
            _(
                "In one line and plain words: why is {name} there? "
                "The person will read this. Example: Helps you find a job.",
                name=self.draft["attendee"]["name"],
            )
        )

    async def take_attendee_why(self, answer: Answer) -> Outcome:
        why = " ".join((answer.text or "").split())
        if not why:
            return Again(_("Please write one line as a message."))
        if len(why) > limits.WHY:
            return Again(_("Please keep it to one line, at most {n} characters.", n=limits.WHY))
        self.draft["attendee"]["why"] = why
        return Next("attendee_contact")

    async def ask_attendee_contact(self) -> Reply:
        return Reply(
            _(
                "How do we reach {name}? Write a mobile number, or tap Telegram.",
                name=self.draft["attendee"]["name"],
            ),
            [[self.option(_("Telegram"), "telegram")]],
        )

    async def take_attendee_contact(self, answer: Answer) -> Outcome:
        assert self.meeting is not None
        new = self.draft.get("attendee") or {}
        if not {"name", "agency", "role", "why"} <= new.keys():
            return Next("attendee_name")
        if answer.choice == "telegram":
            phone, channel = None, Channel.TELEGRAM
        else:
            try:
                phone, channel = to_e164(answer.text or ""), Channel.SMS
            except InvalidPhone:
                return Again(_("That is not a mobile number I can use. Example: 070-123 45 67."))
            holder = await phone_holder(self.meeting, phone)
            if holder is not None:
                return Again(phone_taken(holder))
        person = await Person.create(
            team_id=self.staff.team_id,
            first_name=new["name"],
            phone=phone,
            preferred_channel=channel,
            language=self.staff.language,
        )
        await Attendee.create(
            meeting=self.meeting,
            person=person,
            role=AttendeeRole(new["role"]),
            agency=Agency(new["agency"]),
            why=new["why"],
        )
        del self.draft["attendee"]
        self.draft["consent_for"] = person.id
        said = Reply(
            _(
                "Added: {name} ({agency}, {role}).",
                name=new["name"],
                agency=labels.agency(Agency(new["agency"])),
                role=labels.role(AttendeeRole(new["role"])),
            )
        )
        return Next("attendee_consent", [said])

    async def ask_attendee_consent(self) -> Reply:
        person = await Person.get_or_none(id=self.draft.get("consent_for") or 0)
        if person is None:
            return await self.ask_attendee_name()
        return self._consent_question(person)

    async def take_attendee_consent(self, answer: Answer) -> Outcome:
        person = await Person.get_or_none(id=self.draft.get("consent_for") or 0)
        if person is None:
            return Next("attendee_name")
        if answer.choice not in ("yes", "no"):
            return need_button()
        del self.draft["consent_for"]
        return await self._consent_answer(person, answer.choice)

    # Guard rails --------------------------------------------------------
    async def ask_cautions(self) -> Reply:
        assert self.meeting is not None
        lines = "\n".join(await caution_lines(self.meeting))
        return Reply(
            _("Before you go on:\n{lines}", lines=lines),
            [
                [self.option(_("Go on anyway"), "accept")],
                [self.option(_("Add an attendee"), "add")],
            ],
        )

    async def take_cautions(self, answer: Answer) -> Outcome:
        assert self.meeting is not None
        if answer.choice == "add":
            return Next("attendee_name")
        if answer.choice != "accept":
            return need_button()
        found = await meeting_cautions(self.meeting)
        self.meeting.cautions_accepted = sorted({*self.meeting.cautions_accepted, *found})
        await self.meeting.save(update_fields=["cautions_accepted", "updated_at"])
        return Finish()

    async def finished(self) -> list[Reply]:
        assert self.meeting is not None
        if self.editing:
            field = self.draft.get("changed") or self.state.step or ""
            notices = await meeting_changes.after_edit(self.meeting, self.staff, field, clock.now())
            said = Reply(_("Changed. {n} people were told.", n=notices))
            return [said, await meeting_card.card(self.meeting)]
        said = Reply(_("The meeting is saved. Now the preparation checklist."))
        return [
            said,
            await meeting_card.card(self.meeting),
            await meeting_card.prep_item(self.meeting),
        ]

    # /new again in the middle of /new ----------------------------------------
    async def ask_restart(self) -> Reply:
        assert self.meeting is not None
        return Reply(
            _(
                "You are preparing meeting {id}. Do you want to drop it and start over?",
                id=self.meeting.id,
            ),
            [
                [self.option(_("Keep going"), "keep")],
                [self.option(_("Drop it and start over"), "over")],
            ],
        )

    async def take_restart(self, answer: Answer) -> Outcome:
        resume = self.draft.pop("resume_step", None) or self.first_step
        if answer.choice == "keep":
            return Next(resume)
        if answer.choice != "over":
            self.draft["resume_step"] = resume
            return need_button()
        if self.meeting is not None and self.meeting.status is MeetingStatus.DRAFT:
            await meeting_changes.cancel(self.meeting, self.staff, clock.now())
        self.meeting, self.draft = None, {}
        return Next(self.first_step, [Reply(_("The draft is dropped. We start again."))])


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
