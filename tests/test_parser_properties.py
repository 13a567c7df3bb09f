"""Every parser of user input under thousands of generated cases: no crash, and nothing
accepted that the parser's contract rules out. (Keywords: tests/test_keywords.py.)"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.telegram.callbacks import read_button, read_meeting_button
from flows.core.phone import InvalidPhone, mask, to_e164
from flows.meetings.when_parser import MAX_INPUT, Refused, WhenProblem, parse_day, parse_when
from flows.participants import survey
from flows.participants.keywords import Keyword, keyword
from storage.models import ConversationState

STHLM = ZoneInfo("Europe/Stockholm")
MANY = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
# Text people type: letters from sv/en/ar, digits, the separators dates use, emoji.
TYPED = st.text(
    alphabet=st.sampled_from([*"0123456789 /:.-,kltorsdagimenåäöJANEJ", "🙂", "ن", "\n"]),
    max_size=70,
)


@MANY
@given(text=st.one_of(TYPED, st.text(max_size=90)), now=NOW)
def test_a_parsed_moment_is_always_ahead_in_utc_or_a_clear_refusal(text, now):
    result = parse_when(text, now, STHLM)
    if isinstance(result, Refused):
        assert result.problem is not None
        return
    assert len(text) <= MAX_INPUT
    assert result.tzinfo is UTC and result > now
    assert result - now < timedelta(days=400)  # no "next year" surprise beyond one year


@MANY
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    style=st.sampled_from(["{y}-{m:02d}-{d:02d} {H}:{M:02d}", "{d}/{m} {H}:{M:02d}"]),
)
def test_a_written_date_and_time_reads_back_exactly_on_the_stockholm_wall_clock(
    day, hour, minute, style
):
    now = datetime(2025, 12, 31, 23, tzinfo=UTC)  # midnight in Stockholm
    if style.startswith("{d}") and day.year != 2026:
        return  # without a year the next such day is meant: within 2026 from this `now`
    text = style.format(y=day.year, m=day.month, d=day.day, H=hour, M=minute)
    result = parse_when(text, now, STHLM)
    if day == date(2026, 1, 1) and hour == 0 and minute == 0:
        assert isinstance(result, Refused)  # that is now, not ahead
        return
    if isinstance(result, Refused):
        # Only a wall-clock time that does not exist (the spring DST gap) is refused.
        skipped = datetime(day.year, day.month, day.day, hour, minute, tzinfo=STHLM)
        assert skipped.astimezone(UTC).astimezone(STHLM).hour != hour
        return
    local = result.astimezone(STHLM)
    assert (local.date(), local.hour, local.minute) == (day, hour, minute)


@MANY
@given(text=st.one_of(TYPED, st.text(max_size=90)), today=st.dates(date(2026, 1, 1)))
def test_a_parsed_due_day_is_never_in_the_past(text, today):
    result = parse_day(text, today)
    assert isinstance(result, Refused) or today <= result < today + timedelta(days=400)


@MANY
@given(text=st.one_of(st.text(max_size=50), st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True)))
def test_a_phone_number_is_valid_e164_or_refused(text):
    try:
        e164 = to_e164(text)
    except InvalidPhone:
        return
    assert re.fullmatch(r"\+[1-9]\d{7,14}", e164)
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164, None))


@MANY
@given(st.from_regex(r"\+[1-9]\d{7,14}", fullmatch=True))
def test_a_masked_number_shows_at_most_its_first_and_last_digits(e164):
    masked = mask(e164)
    assert "***" in masked
    assert len(re.sub(r"\D", "", masked)) <= 7  # country code, two first, two last


@MANY
@given(text=st.text(max_size=80), which=st.sampled_from([*survey.QUESTIONS, survey.WISH]))
def test_a_survey_answer_is_a_fit_of_the_right_type_or_a_misfit(text, which):
    fits, value, free_text = survey.parse(which, text)
    if not fits:
        assert value is None and free_text is None
    elif which.kind is survey.Kind.SCALE:
        assert value in range(1, 6) and free_text is None
    elif which.kind is survey.Kind.YES_NO:
        assert value in (0, 1) and free_text is None
    elif which.kind is survey.Kind.STEP:
        assert (value is None or value in range(1, 7)) and free_text is None
    else:
        assert value is None and (free_text is None or 0 < len(free_text) <= survey.MAX_TEXT)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4", 4),
        (" 5!", 5),
        ("3 av 5", 3),
        ("2/5", 2),
        ("٣", 3),
        ("0", None),
        ("6", None),
        ("45", None),
        ("fyra", None),
        ("4 men", None),
    ],
)
def test_scale_answers_read_as_people_write_them(text, value):
    fits, parsed, _ = survey.parse(survey.QUESTIONS[1], text)
    assert (parsed if fits else None) == value


@MANY
@given(st.text(max_size=80))
def test_a_yes_no_answer_agrees_with_the_keywords(text):
    fits, value, _ = survey.parse(survey.QUESTIONS[0], text)
    if keyword(text) is Keyword.YES:
        assert (fits, value) == (True, 1)
    elif keyword(text) is Keyword.NO:
        assert (fits, value) == (True, 0)


@MANY
@given(data=st.text(max_size=64), version=st.integers(0, 10_000))
def test_callback_data_is_read_only_when_current_and_well_formed(data, version):
    state = ConversationState(version=version)
    read = read_button(state, data)
    if read is not None:
        assert data.startswith(f"v{version}:") and read[0] == data.split(":")[1]
    meeting = read_meeting_button(data)
    if meeting is not None:
        meeting_id, action, _args = meeting
        assert data.startswith(f"m{meeting_id}:") and action


@MANY
@given(
    version=st.integers(0, 10_000),
    stale=st.integers(1, 50),
    action=st.from_regex(r"[a-z]{1,8}", fullmatch=True),
)
def test_a_button_from_an_older_version_is_never_read(version, stale, action):
    assume(version >= stale)
    state = ConversationState(version=version)
    assert read_button(state, f"v{version - stale}:{action}") is None
    assert read_button(state, f"v{version}:{action}") == (action, [])


def test_a_time_the_clocks_skip_is_refused_and_the_repeated_hour_is_read_once():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_when("2026-03-29 02:30", now, STHLM) == Refused(WhenProblem.NO_SUCH_DATE)
    autumn = parse_when("2026-10-25 02:30", now, STHLM)
    assert autumn == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)
