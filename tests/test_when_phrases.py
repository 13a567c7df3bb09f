"""Dates and times as convenors really write them (issue 12, item 8), read against one
fixed "now": Tuesday 24 November 2026 at 09:13 in Stockholm, so "tisdag 10:00" typed
that morning is 47 minutes ahead today, and must be next Tuesday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.core.i18n import use_locale
from flows.meetings.form_when import read_when, when_confirmation, when_problem
from flows.meetings.when_parser import (
    Refused,
    WhenProblem,
    day_reading,
    parse_day,
    parse_when,
    repeated_hour,
)
from flows.meetings.when_words import MONTHS, NUMBER_WORDS, UNITS, WEEKDAYS

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 13, tzinfo=STOCKHOLM)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


CORPUS = [
    # The phrases the issue saw refused.
    ("fredag 13", at(11, 27, 13)),  # Friday at 13:00: no Friday the 13th is near
    ("nästa fredag kl 10", at(11, 27, 10)),
    ("den 3 december kl 13", at(12, 3, 13)),
    ("3 dec 13.00", at(12, 3, 13)),
    ("next tuesday 14:00", at(12, 1, 14)),
    ("tisdag 10:00", at(12, 1, 10)),  # a weekday is never today
    # Days from today.
    ("idag 15", at(11, 24, 15)),
    ("i dag 16", at(11, 24, 16)),
    ("idag kl 15:30", at(11, 24, 15, 30)),
    ("imorgon kl 9.30", at(11, 25, 9, 30)),
    ("I morgon klockan 8", at(11, 25, 8)),
    ("kl. 9 imorgon", at(11, 25, 9)),
    ("tomorrow at 10am", at(11, 25, 10)),
    ("tomorrow 9.30", at(11, 25, 9, 30)),
    ("övermorgon kl 13", at(11, 26, 13)),
    ("i övermorgon 13.15", at(11, 26, 13, 15)),
    ("om en vecka kl 10", at(12, 1, 10)),
    ("om två veckor kl 13", at(12, 8, 13)),
    ("om 3 dagar kl 10", at(11, 27, 10)),
    ("in a week 13:00", at(12, 1, 13)),
    ("in two weeks at 9", at(12, 8, 9)),
    # Weekdays: the next one after today.
    ("tisdag 14", at(12, 1, 14)),  # 14:00 today is still ahead, but not "tisdag"
    ("onsdag 9", at(11, 25, 9)),
    ("14.30 på torsdag", at(11, 26, 14, 30)),
    ("kl 10 på måndag", at(11, 30, 10)),
    ("måndag kl 8.30", at(11, 30, 8, 30)),
    ("lördag kl 10", at(11, 28, 10)),
    ("söndag 11", at(11, 29, 11)),
    ("halv tio på fredag", at(11, 27, 9, 30)),
    ("halv två imorgon", at(11, 25, 13, 30)),
    ("kvart över nio imorgon", at(11, 25, 9, 15)),
    ("kvart i tio på fredag", at(11, 27, 9, 45)),
    ("tomorrow at half past two", at(11, 25, 14, 30)),
    ("quarter to ten on friday", at(11, 27, 9, 45)),
    ("fredag nästa vecka kl 10", at(12, 4, 10)),  # the Friday of next week
    ("on Thursday at 2pm", at(11, 26, 14)),
    ("next friday, 9:30", at(11, 27, 9, 30)),
    # Day and month, in words or numbers, with or without the weekday.
    ("Torsdag den 3 december kl. 13.00", at(12, 3, 13)),
    ("fredag den 11 december kl 10", at(12, 11, 10)),
    ("fredag 11/12 kl 10", at(12, 11, 10)),
    ("fre 4 dec kl 14", at(12, 4, 14)),
    ("ons 2/12 10:00", at(12, 2, 10)),
    ("Måndag 30/11 kl 13", at(11, 30, 13)),
    ("thu 3 dec 10:00", at(12, 3, 10)),
    ("den 1 dec kl 13:00", at(12, 1, 13)),
    ("3:e december kl 10", at(12, 3, 10)),
    ("15/12 kl 14", at(12, 15, 14)),
    ("3/12 10", at(12, 3, 10)),
    ("2026-12-03 10:00", at(12, 3, 10)),
    ("3 januari kl 10", at(1, 3, 10, year=2027)),  # no year: the next 3 January
    ("12 jan 2027 kl 9", at(1, 12, 9, year=2027)),
    ("1 februari 2027 kl 10", at(2, 1, 10, year=2027)),
    ("December 3 at 1:30 pm", at(12, 3, 13, 30)),
    ("3rd December 10:00", at(12, 3, 10)),
    ("nov 30 10:00", at(11, 30, 10)),
    ("3 okt. 2027 kl 9", at(10, 3, 9, year=2027)),
]


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize(("text", "expected"), CORPUS)
def test_real_phrasings_read_as_the_convenor_meant(text, expected):
    result = parse_when(text, TUESDAY_MORNING, STOCKHOLM)
    assert result == expected.astimezone(UTC), text
    assert result.tzinfo is UTC


def test_tisdag_typed_on_a_tuesday_morning_is_next_tuesday_not_today():
    result = parse_when("tisdag 10:00", TUESDAY_MORNING, STOCKHOLM)
    assert result == at(12, 1, 10)  # not 24 November, 47 minutes ahead


@pytest.mark.parametrize(
    ("text", "problem", "read"),
    [
        ("idag 9", WhenProblem.PAST, at(11, 24, 9)),
        ("idag 9:13", WhenProblem.PAST, at(11, 24, 9, 13)),
        ("fredag", WhenProblem.NO_TIME, date(2026, 11, 27)),
        ("om en vecka", WhenProblem.NO_TIME, date(2026, 12, 1)),
        ("3 december", WhenProblem.NO_TIME, date(2026, 12, 3)),
        ("fredag 27", WhenProblem.NO_TIME, date(2026, 11, 27)),  # not an hour: the 27th
        ("fredag 12 december kl 10", WhenProblem.WRONG_WEEKDAY, date(2026, 12, 12)),
        ("måndag 1/12 kl 10", WhenProblem.WRONG_WEEKDAY, date(2026, 12, 1)),
        ("fredag 13 kl 9", WhenProblem.WRONG_WEEKDAY, date(2026, 12, 13)),
        ("fredag 30 kl 9", WhenProblem.WRONG_WEEKDAY, date(2026, 11, 30)),
        ("31 november kl 10", WhenProblem.NO_SUCH_DATE, None),
        ("3 dec 25:00", WhenProblem.NO_SUCH_DATE, None),
        ("kl 10", WhenProblem.UNCLEAR, None),
        ("nästa vecka kl 10", WhenProblem.UNCLEAR, None),
        ("imorgon eller fredag 10", WhenProblem.UNCLEAR, None),
        ("idag imorgon 10", WhenProblem.UNCLEAR, None),
        ("om 500 dagar kl 10", WhenProblem.UNCLEAR, None),
        ("3/12/2062 10:00", WhenProblem.TOO_FAR, None),
        ("0001-01-01 0:30", WhenProblem.PAST, None),  # crashed on main (OverflowError)
    ],
)
def test_refusals_say_what_was_read(text, problem, read):
    result = parse_when(text, TUESDAY_MORNING, STOCKHOLM)
    assert result == Refused(problem)
    assert result.read == read


def test_a_weekday_and_a_bare_number_has_its_date_reading_when_one_is_near():
    monday = datetime(2026, 11, 2, 9, tzinfo=STOCKHOLM)  # 13 November 2026 is a Friday
    assert parse_when("fredag 13", monday, STOCKHOLM) == at(11, 6, 13)
    assert day_reading("fredag 13", monday, STOCKHOLM) == date(2026, 11, 13)
    assert day_reading("fredag 13", TUESDAY_MORNING, STOCKHOLM) is None  # none near
    assert day_reading("fredag kl 13", monday, STOCKHOLM) is None
    assert parse_when("fredag 13 kl 10", monday, STOCKHOLM) == at(11, 13, 10)


def test_the_autumn_hour_is_read_as_the_first_and_the_second_is_offered():
    before = datetime(2026, 10, 20, tzinfo=UTC)
    first = parse_when("söndag 02:30", before, STOCKHOLM)  # 25 October: clocks go back
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time
    assert repeated_hour(first, STOCKHOLM) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert repeated_hour(parse_when("söndag 03:30", before, STOCKHOLM), STOCKHOLM) is None
    assert repeated_hour(parse_when("lördag 02:30", before, STOCKHOLM), STOCKHOLM) is None


def test_the_spring_hour_that_does_not_exist_is_refused_with_what_was_read():
    before = datetime(2026, 3, 20, tzinfo=UTC)
    result = parse_when("29 mars kl 2.30", before, STOCKHOLM)
    assert result == Refused(WhenProblem.NO_SUCH_DATE)
    assert result.read == datetime(2026, 3, 29, 2, 30, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fredag", date(2026, 11, 27)),
        ("tisdag", date(2026, 12, 1)),  # never today
        ("idag", date(2026, 11, 24)),
        ("om två veckor", date(2026, 12, 8)),
        ("in a week", date(2026, 12, 1)),
        ("den 10 december", date(2026, 12, 10)),
        ("fredag den 11 december", date(2026, 12, 11)),
        ("fredag nästa vecka", date(2026, 12, 4)),
        ("10 dec.", date(2026, 12, 10)),
    ],
)
def test_due_days_take_the_same_phrases(text, expected):
    assert parse_day(text, TUESDAY_MORNING.date()) == expected


def test_a_due_day_with_a_time_is_not_a_day():
    assert parse_day("fredag kl 10", TUESDAY_MORNING.date()) == Refused(WhenProblem.UNCLEAR)


NOWS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
SOME = settings(max_examples=400, deadline=None)


def _local(result: datetime) -> datetime:
    assert result.tzinfo is UTC
    return result.astimezone(STOCKHOLM)


@SOME
@given(
    now=NOWS,
    weekday=st.sampled_from(sorted(WEEKDAYS.items())),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    style=st.sampled_from(["{w} {H}:{M:02d}", "{w} kl {H}.{M:02d}", "{H}:{M:02d} på {w}"]),
)
def test_any_weekday_spelling_is_the_next_such_day_after_today(now, weekday, hour, minute, style):
    word, number = weekday
    result = parse_when(style.format(w=word, H=hour, M=minute), now, STOCKHOLM)
    if isinstance(result, Refused):  # only the hour the clocks skip
        assert result.problem is WhenProblem.NO_SUCH_DATE and isinstance(result.read, datetime)
        return
    local, today = _local(result), now.astimezone(STOCKHOLM).date()
    assert local.weekday() == number and 1 <= (local.date() - today).days <= 7
    assert (local.hour, local.minute) == (hour, minute)


@SOME
@given(
    now=NOWS,
    month=st.sampled_from(sorted(MONTHS.items())),
    day=st.integers(1, 31),
    hour=st.integers(7, 18),
    style=st.sampled_from(["{d} {m} {H}:00", "den {d} {m} kl {H}", "{m} {d} at {H}:00"]),
)
def test_any_month_spelling_reads_the_next_such_date(now, month, day, hour, style):
    word, number = month
    result = parse_when(style.format(d=day, m=word, H=hour), now, STOCKHOLM)
    if isinstance(result, Refused):  # 31 April; or today, at an hour gone (not next year)
        today = now.astimezone(STOCKHOLM).date()
        assert result.problem is WhenProblem.NO_SUCH_DATE or (
            result.problem is WhenProblem.PAST and result.read.date() == today
        )
        return
    local = _local(result)
    assert (local.month, local.day, local.hour) == (number, day, hour)
    assert timedelta(0) < result - now < timedelta(days=367)


@SOME
@given(
    now=NOWS,
    count=st.sampled_from(sorted((n, w) for w, n in NUMBER_WORDS.items())),
    unit=st.sampled_from(sorted((d, w) for w, d in UNITS.items())),
    hour=st.integers(7, 18),
)
def test_om_n_weeks_or_days_is_that_many_days_ahead(now, count, unit, hour):
    (number, word), (days, unit_word) = count, unit
    result = parse_when(f"om {word} {unit_word} kl {hour}", now, STOCKHOLM)
    local = _local(result)
    today = now.astimezone(STOCKHOLM).date()
    assert local.date() == today + timedelta(days=number * days) and local.hour == hour


@pytest.mark.parametrize(
    ("text", "now", "locale", "said"),
    [
        ("idag 9", TUESDAY_MORNING, "sv", "tisdag 24 november 2026, 09:00 har redan varit."),
        ("idag 9", TUESDAY_MORNING, "en", "Tuesday 24 November 2026, 09:00 has already passed."),
        ("fredag 12 december kl 10", TUESDAY_MORNING, "en", "Saturday 12 December 2026 is not"),
        (
            "fredag 12 december kl 10",
            TUESDAY_MORNING,
            "sv",
            "lördag 12 december 2026 är ingen fredag",
        ),
        ("om en vecka", TUESDAY_MORNING, "en", "I read Tuesday 1 December 2026, but the meeting"),
        ("om en vecka", TUESDAY_MORNING, "en", "for example 1/12 10:00."),
        ("29 mars 2.30", at(3, 20, 9), "en", "The clocks go forward one hour that night"),
        ("29 mars 2.30", at(3, 20, 9), "en", "so Sunday 29 March 2026 has no 02:30."),
        ("29 mars 2.30", at(3, 20, 9), "sv", "så 02:30 finns inte söndag 29 mars 2026."),
    ],
)
def test_a_refusal_says_in_words_what_was_read(text, now, locale, said):
    with use_locale(locale):
        assert said in when_problem(parse_when(text, now, STOCKHOLM))


def test_the_autumn_confirmation_names_the_shift_and_offers_both():
    before = at(10, 20, 9)
    draft = read_when("söndag 02:30", before, "Europe/Stockholm")
    with use_locale("en"):
        reply = when_confirmation(draft, "Europe/Stockholm", lambda label, value: (label, value))
    assert "I understood: Sunday 25 October 2026, 02:30." in reply.text
    assert "The clocks go back one hour that night, so 02:30 comes twice." in reply.text
    assert reply.buttons == [
        [("The first 02:30 (summer time)", "yes")],
        [("The second 02:30 (winter time)", "second")],
        [("No, I will write it again", "no")],
    ]
