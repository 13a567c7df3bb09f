"""The words and shapes a typed date is made of: word tables (`data/when_words.json`),
the token regexes, and one text read into tokens. flows.meetings.when_parser reads them
into a moment."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

MAX_INPUT = 60  # longer text is not a date; do not run regexes over an essay
NEAR_MONTHS = 3  # "fredag 13" looks for a Friday the 13th in this month and the next two
MAX_DAYS_AHEAD = 365  # "om 400 dagar" is not a meeting date
MAX_YEARS_AHEAD = 5  # "3/12/2062" neither

_WORDS = json.loads((Path(__file__).with_name("data") / "when_words.json").read_text("utf-8"))


def _index(groups: list[list[str]], start: int = 0) -> dict[str, int]:
    return {word: number for number, words in enumerate(groups, start) for word in words}


def _keyed(table: dict[str, list[str]]) -> dict[str, int]:
    return {word: int(key) for key, words in table.items() for word in words}


WEEKDAYS = _index(_WORDS["weekdays"])
MONTHS = _index(_WORDS["months"], start=1)
DAYS_FROM_TODAY = _keyed(_WORDS["days_from_today"])
NUMBER_WORDS = _keyed(_WORDS["numbers"])
UNITS = _keyed(_WORDS["units_in_days"])
_NEXT_WEEK = "nextweek#"  # what the "next week" phrases become before tokens are read
# "kvart i", "half past": minutes from the hour named after; "halv" is -30.
CLOCK_PHRASES = {"halv": -30} | {f"{minutes}#": int(minutes) for minutes in _WORDS["clock_phrases"]}
_PHRASES = {
    **_WORDS["phrases"],
    **dict.fromkeys(_WORDS["next_week"], _NEXT_WEEK),
    **{
        phrase: f"{minutes}#"
        for minutes, phrases in _WORDS["clock_phrases"].items()
        for phrase in phrases
    },
}
_PHRASE_RE = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(p) for p in sorted(_PHRASES, key=len, reverse=True))
    + r")(?!\w)"
)


class WhenProblem(StrEnum):
    UNCLEAR = "unclear"  # not a form we read
    NO_SUCH_DATE = "no_such_date"  # 31/2, 25:00; with `read`: 02:30 the night clocks go forward
    PAST = "past"
    NO_TIME = "no_time"  # a day, but the meeting needs a time too
    WRONG_WEEKDAY = "wrong_weekday"  # "fredag 14 december" when that is a Monday
    TOO_FAR = "too_far"  # a year more than MAX_YEARS_AHEAD ahead: a typo, not a meeting


@dataclass(frozen=True)
class Refused:
    problem: WhenProblem
    # What was read, for the message ("Sunday 13 December 2026 is not a Friday");
    # not part of the verdict, so Refused(PAST) == Refused(PAST, read=...).
    read: date | datetime | None = field(default=None, compare=False)
    weekday: int | None = field(default=None, compare=False)  # the one asked for


class Unclear(Exception):
    """Raised inside the reader; becomes Refused(problem)."""

    def __init__(self, problem: WhenProblem = WhenProblem.UNCLEAR, **detail) -> None:
        self.refused = Refused(problem, **detail)


# Tokens -----------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?")
_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})")
_ORDINAL = re.compile(r"(\d{1,2}):?(?:e|a|dje|st|nd|rd|th)")


@dataclass(frozen=True)
class Token:
    kind: str  # iso, slashed, clock, ordinal, num, year, weekday, month, rel, numword,
    #            unit, in, next, nextweek, at, half (halv, kvart i: minutes), am, pm
    value: tuple[int | None, ...] = ()

    @property
    def number(self) -> int:
        assert self.value and self.value[0] is not None
        return self.value[0]


def normalise(text: str) -> str:
    text = "".join(
        ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) != "Cf"
    )
    text = text.lower().replace(",", " ").replace(";", " ")
    text = (
        text.replace("e.m.", "em").replace("f.m.", "fm").replace("a.m.", "am").replace("p.m.", "pm")
    )
    text = re.sub(r"(?<![a-zåäö])(kl|klockan|@)\.?(?=\d)", r"\1 ", text)  # kl.9, kl9, @10
    text = re.sub(r"(\d)(am|pm|em|fm)(?![a-zåäö])", r"\1 \2", text)  # 2pm, 9.30am
    text = " ".join(text.split())
    return _PHRASE_RE.sub(lambda m: _PHRASES[m.group(1)], text)


def read_token(word: str) -> Token | None:
    """One word read, None for a filler; anything else unknown is unclear."""
    word = word.rstrip(".")
    if match := _ISO.fullmatch(word):
        return Token("iso", tuple(int(g) for g in match.groups()))
    if match := _SLASHED.fullmatch(word):
        day, month, year = match.groups()
        full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        return Token("slashed", (int(day), int(month), full_year))
    if match := _CLOCK.fullmatch(word):
        return Token("clock", (int(match[1]), int(match[2])))
    if match := _ORDINAL.fullmatch(word):
        return Token("ordinal", (int(match[1]),))
    if re.fullmatch(r"\d{1,2}", word):
        return Token("num", (int(word),))
    if re.fullmatch(r"\d{4}", word):
        return Token("year", (int(word),))
    if word == _NEXT_WEEK:
        return Token("nextweek")
    if word in CLOCK_PHRASES or word in _WORDS["half"]:
        return Token("half", (CLOCK_PHRASES.get(word, -30),))
    for kind, table in (
        ("weekday", WEEKDAYS),
        ("month", MONTHS),
        ("rel", DAYS_FROM_TODAY),
        ("numword", NUMBER_WORDS),
        ("unit", UNITS),
    ):
        if word in table:
            return Token(kind, (table[word],))
    for kind in ("in", "next", "at", "am", "pm"):
        if word in _WORDS[kind]:
            return Token(kind)
    if word in _WORDS["fillers"]:
        return None
    raise Unclear()
