"""What a convenor types for a date and time, read into a moment, or refused.

A small hand parser over word tables (`flows/meetings/data/when_words.json`) rather than a
guessing library. dateparser was tried on the phrases convenors write: in Swedish
it dropped the time of "idag 15", read "fredag 13" as a past 13 November, and
returned nothing for "nästa fredag kl 10", "den 3 december kl 13" or "15/12 kl
14"; it is also two large packages. Here each word is read or the whole text is
refused: the convenor then sees the full date we understood and confirms it, so
refusing what is unclear is the feature. Case, commas and a trailing dot aside:

    2026-12-03 10:00     3/12 10:00     15/12 kl 14     3/12/2026 10
    3 dec 13.00          den 3 december kl 13           december 3 at 2pm
    tisdag 10:00         nästa fredag kl 10             next tuesday 14:00
    14.30 på torsdag     tisdag nästa vecka kl 9        fredag den 13:e kl 10
    idag 15              imorgon kl 9.30                övermorgon halv tio
    kvart i tio          tomorrow at half past two      quarter past 9 on friday
    om en vecka kl 10    om två veckor 13:15            in 3 days at 9

Rules, each one a choice:
- Day and month are in the Swedish order (3/12 is 3 December). A date without a
  year is its next occurrence.
- A weekday is the next such day after today, never today: "tisdag 10" typed on a
  Tuesday morning is next week's. "nästa"/"next" changes nothing ("nästa fredag" is
  the coming Friday; the confirmation shows which); "tisdag nästa vecka" is the
  Tuesday of next week.
- A weekday and a bare number up to 23 ("fredag 13") is the weekday at that hour
  (Friday at 13:00): that is how a time is most often jotted, and refusing it
  whenever a Friday the 13th is near would refuse a third of such texts. The
  confirmation shows the full date, and `day_reading` gives the date reading
  ("Friday 13 December") so the conversation can say how to write that instead.
  With a time as well ("fredag 13 kl 10"), or above 23 ("fredag 27"), the number
  is the date: the nearest 13th that is a Friday in this month or the next two,
  and a weekday that does not match is refused.
- Digits are the 24-hour clock ("kl 3" is 03:00); am/pm and em/fm count. Spelled
  hours and the clock phrases ("halv tre", "kvart i sju", "kl tio") are office
  hours: one to six is the afternoon.
- A wall-clock time the clocks skip (spring) is refused; one that comes twice
  (autumn) is read as the first, and `repeated_hour` gives the second so the
  conversation can ask which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.meetings.when_words import (
    MAX_DAYS_AHEAD,
    MAX_INPUT,
    MAX_YEARS_AHEAD,
    NEAR_MONTHS,
    Refused,
    Token,
    Unclear,
    WhenProblem,
    normalise,
    read_token,
)

# Reading the tokens into parts --------------------------------------------


@dataclass
class _Parts:
    clock: time | None = None
    days: list[date | tuple[int, int | None, int | None]] = field(default_factory=list)
    weekday: int | None = None
    next_week: bool = False
    bare: list[int] = field(default_factory=list)  # numbers not yet known as day or hour

    def set_clock(self, hour: int, minute: int = 0) -> None:
        if self.clock is not None:
            raise Unclear()  # two times
        try:
            self.clock = time(hour, minute)
        except ValueError:
            raise Unclear(WhenProblem.NO_SUCH_DATE) from None


def _office_hour(hour: int) -> int:
    """A spelled hour ("halv tre", "kl tio") in working hours: one to six is the afternoon."""
    hour %= 12
    return hour + 12 if hour < 7 else hour


def _twelve_hour(hour: int, pm: bool) -> int:
    if not 1 <= hour <= 12:
        raise Unclear(WhenProblem.NO_SUCH_DATE)
    return hour % 12 + (12 if pm else 0)


def _is(tokens: list[Token], at: int, *kinds: str) -> bool:
    return at < len(tokens) and tokens[at].kind in kinds


def _read(tokens: list[Token], today: date) -> _Parts:
    parts = _Parts()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.kind
        if kind == "in" and _is(tokens, i + 1, "num", "numword") and _is(tokens, i + 2, "unit"):
            count, unit = tokens[i + 1].number, tokens[i + 2].number
            if not 1 <= count * unit <= MAX_DAYS_AHEAD:
                raise Unclear()
            parts.days.append(today + timedelta(days=count * unit))
            i += 3
        elif kind == "half" and _is(tokens, i + 1, "num", "numword"):
            hour = tokens[i + 1].number  # "halv tio", "kvart över 9", "quarter to ten"
            if not 1 <= hour <= 12:
                raise Unclear(WhenProblem.NO_SUCH_DATE)
            hour, minute = divmod((hour * 60 + token.number) % (12 * 60), 60)
            parts.set_clock(_office_hour(hour), minute)
            i += 2
        elif kind == "at" and _is(tokens, i + 1, "num", "clock", "numword", "half"):
            i += 1  # "kl 9": the number after is the hour, whatever follows
            following = tokens[i]
            if following.kind == "half":
                continue
            hour, minute = following.value if following.kind == "clock" else (following.number, 0)
            if _is(tokens, i + 1, "am", "pm"):
                hour = _twelve_hour(hour, tokens[i + 1].kind == "pm")
                i += 1
            elif following.kind == "numword":
                hour = _office_hour(hour)
            parts.set_clock(hour, minute)
            i += 1
        elif kind in ("num", "clock") and _is(tokens, i + 1, "am", "pm"):
            hour, minute = token.value if kind == "clock" else (token.number, 0)
            parts.set_clock(_twelve_hour(hour, tokens[i + 1].kind == "pm"), minute)
            i += 2
        elif kind in ("num", "ordinal") and _is(tokens, i + 1, "month"):
            year = tokens[i + 2].number if _is(tokens, i + 2, "year") else None
            parts.days.append((token.number, tokens[i + 1].number, year))
            i += 3 if year else 2
        elif kind == "month" and _is(tokens, i + 1, "num", "ordinal"):
            year = tokens[i + 2].number if _is(tokens, i + 2, "year") else None
            parts.days.append((tokens[i + 1].number, token.number, year))
            i += 3 if year else 2
        else:
            _read_one(token, parts, today)
            i += 1
    return parts


def _read_one(token: Token, parts: _Parts, today: date) -> None:
    kind = token.kind
    if kind == "iso":
        year, month, day = token.value
        parts.days.append((day, month, year))
    elif kind == "slashed":
        day, month, year = token.value
        parts.days.append((day, month, year))
    elif kind == "clock":
        parts.set_clock(*token.value)
    elif kind == "ordinal":
        parts.days.append((token.number, None, None))
    elif kind == "num":
        parts.bare.append(token.number)
    elif kind == "rel":
        parts.days.append(today + timedelta(days=token.number))
    elif kind == "weekday":
        if parts.weekday is not None:
            raise Unclear()
        parts.weekday = token.number
    elif kind == "nextweek":
        parts.next_week = True
    elif kind == "next":
        pass  # "nästa fredag" is the coming Friday: see the module's rules
    else:  # a month alone, "om" without a count, "am" without an hour, a year alone
        raise Unclear()


# From parts to a day -------------------------------------------------------


def _next_weekday(today: date, weekday: int, next_week: bool) -> date:
    if next_week:  # the weekday in the calendar week after this one
        return today - timedelta(days=today.weekday()) + timedelta(days=7 + weekday)
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _month_days(day: int, today: date, weekday: int | None) -> date | None:
    """The nearest day-of-month `day` from today in the near months (matching `weekday`)."""
    year, month = today.year, today.month
    for _ in range(NEAR_MONTHS):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate and candidate >= today and weekday in (None, candidate.weekday()):
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _year_for(month: int, day: int, today: date) -> int:
    """A date without a year: this year's if still ahead, else next year's."""
    try:
        return today.year if date(today.year, month, day) >= today else today.year + 1
    except ValueError:  # 29/2 in a year without it
        return today.year + 1


def _resolve(
    spec: date | tuple[int, int | None, int | None], today: date, weekday: int | None
) -> date:
    if isinstance(spec, date):
        return spec
    day, month, year = spec
    if month is None:  # "den 13:e": the next 13th (a Friday if "fredag" was said)
        found = _month_days(day, today, weekday)
        if found is None:
            if not 1 <= day <= 31:
                raise Unclear(WhenProblem.NO_SUCH_DATE)
            raise Unclear(
                WhenProblem.WRONG_WEEKDAY, read=_month_days(day, today, None), weekday=weekday
            )
        return found
    if year is not None and year > today.year + MAX_YEARS_AHEAD:
        raise Unclear(WhenProblem.TOO_FAR)
    if year is not None and year < today.year - 1:
        raise Unclear(WhenProblem.PAST)  # and no datetime before year 1 to build
    try:
        return date(year if year is not None else _year_for(month, day, today), month, day)
    except ValueError:
        raise Unclear(WhenProblem.NO_SUCH_DATE) from None


def _day(parts: _Parts, today: date, need_time: bool) -> date:
    """The one day the parts name; leftover bare numbers become the hour or the date."""
    if parts.weekday is not None and not parts.days and parts.bare:
        if need_time and parts.clock is None and len(parts.bare) == 1 and parts.bare[0] <= 23:
            pass  # the hour: "fredag 13" is Friday at 13:00 (see `day_reading`)
        else:
            parts.days.append((parts.bare.pop(0), None, None))  # "fredag 13 kl 10", "fredag 27"
    if need_time and parts.clock is None and len(parts.bare) == 1:
        parts.set_clock(parts.bare.pop())  # "idag 15", "3 dec 13"
    if parts.bare or len(parts.days) > 1 or (parts.next_week and parts.weekday is None):
        raise Unclear()
    if parts.days:
        day = _resolve(parts.days[0], today, parts.weekday)
        if parts.weekday is not None and day.weekday() != parts.weekday:
            raise Unclear(WhenProblem.WRONG_WEEKDAY, read=day, weekday=parts.weekday)
        return day
    if parts.weekday is not None:
        return _next_weekday(today, parts.weekday, parts.next_week)
    raise Unclear()  # a time with no day


def _parts(text: str, today: date) -> _Parts:
    if len(text) > MAX_INPUT:
        raise Unclear()
    words = normalise(text).split()
    tokens = [token for word in words if (token := read_token(word)) is not None]
    if not tokens:
        raise Unclear()
    return _read(tokens, today)


# The public face -------------------------------------------------------------


def _in_dst_gap(moment: datetime) -> bool:
    """A wall-clock time the clocks skip: it does not survive a round trip through UTC."""
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) != moment.replace(tzinfo=None)


def repeated_hour(moment: datetime, tz: ZoneInfo) -> datetime | None:
    """The second instant (in UTC) showing the same wall-clock time as `moment`, when the
    clocks go back that night and the time comes twice; else None."""
    local = moment.astimezone(tz).replace(fold=0)
    first, second = local, local.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    return second.astimezone(UTC)


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | Refused:
    """A future moment from what the convenor typed, read on `tz`'s wall clock and
    returned in UTC: Tortoise stores an aware datetime with its own offset, and SQLite
    compares the text, so only UTC everywhere keeps `ends_at <= now` true to time.
    A time that comes twice is the first of the two (see `repeated_hour`)."""
    local_now = now.astimezone(tz)
    try:
        parts = _parts(text, local_now.date())
        day = _day(parts, local_now.date(), need_time=True)
        if parts.clock is None:
            raise Unclear(WhenProblem.NO_TIME, read=day)
    except Unclear as refusal:
        return refusal.refused
    moment = datetime.combine(day, parts.clock, tzinfo=tz)
    if _in_dst_gap(moment):
        return Refused(WhenProblem.NO_SUCH_DATE, read=moment)  # the clocks skip it
    if moment <= local_now:
        return Refused(WhenProblem.PAST, read=moment)
    return moment.astimezone(UTC)


def day_reading(text: str, now: datetime, tz: ZoneInfo) -> date | None:
    """The other reading of "fredag 13" (parse_when: Friday at 13:00): Friday the 13th,
    when one falls in this month or the next two. None for any other text."""
    today = now.astimezone(tz).date()
    try:
        parts = _parts(text, today)
    except Unclear:
        return None
    if parts.weekday is None or parts.days or parts.clock or len(parts.bare) != 1:
        return None
    return _month_days(parts.bare[0], today, parts.weekday)


def parse_day(text: str, today: date) -> date | Refused:
    """A day from today on (due dates): the same forms without the time."""
    try:
        parts = _parts(text, today)
        day = _day(parts, today, need_time=False)
        if parts.clock is not None:
            raise Unclear()
    except Unclear as refusal:
        return refusal.refused
    if day < today:
        return Refused(WhenProblem.PAST, read=day)
    return day
