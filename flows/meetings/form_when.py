"""Reading and confirming a meeting's date and time, shared by `/new` and `/after`.

What the convenor typed is read (when_parser), refused with a reason that names what
was read, or shown back with the full date to confirm by button.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from flows.core.clock import clock
from flows.core.dialog import Button, Next, Outcome, Reply, Taken, need_button
from flows.core.i18n import _, current_locale
from flows.meetings.meeting_words import moment_text
from flows.meetings.when_parser import Refused, WhenProblem, day_reading, parse_when, repeated_hour

WHEN_CHOICES = ("yes", "second", "no")


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


def confirmed_when(draft: dict, answer: Taken, again: str) -> datetime | Outcome:
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
