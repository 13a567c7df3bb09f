"""The seeds' rules for who sits at the table, as warnings the convenor may override.

Each rule looks at the attendees only (and whether an interpreter is needed);
none blocks: the convenor knows things we do not, and says so with one tap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from storage.models import Agency, Attendee, AttendeeResponse, AttendeeRole, Meeting

MAX_ATTENDEES = 6  # "only those needed": more than about six overwhelms (seeds 002)


class Caution(StrEnum):
    FK_WITHOUT_PERSON = "fk_without_person"  # seeds 003: never without the individual
    NO_REFERRER = "no_referrer"  # tip 2: the referrer attends
    SAME_AGENCY = "same_agency"  # preferably one per agency
    TOO_MANY = "too_many"
    NO_INTERPRETER = "no_interpreter"


@dataclass(frozen=True)
class Seat:
    role: AttendeeRole
    agency: Agency
    response: AttendeeResponse = AttendeeResponse.PENDING


async def meeting_seats(meeting: Meeting) -> list[Seat]:
    seats = await Attendee.filter(meeting=meeting).values_list("role", "agency", "response")
    return [Seat(*seat) for seat in seats]


def _attending(seats: Iterable[Seat]) -> list[Seat]:
    """Who still comes: a no (the person's own, or marked by the convenor) leaves the table."""
    return [s for s in seats if s.response != AttendeeResponse.DECLINED]


def _agency_counts(seats: Iterable[Seat]) -> Counter[Agency]:
    return Counter(s.agency for s in seats if s.agency not in (Agency.NONE, Agency.OTHER))


def crowded_agencies(seats: Iterable[Seat]) -> list[Agency]:
    """The agencies that send more than one person, for the warning to name them."""
    counts = _agency_counts(_attending(seats))
    return sorted(agency for agency, n in counts.items() if n > 1)


def cautions(seats: Iterable[Seat], interpreter_needed: bool) -> list[Caution]:
    seats = _attending(seats)
    roles = {s.role for s in seats}
    agencies = _agency_counts(seats)
    found = []
    if Agency.FORSAKRINGSKASSAN in agencies and AttendeeRole.PERSON_IN_FOCUS not in roles:
        found.append(Caution.FK_WITHOUT_PERSON)
    if AttendeeRole.REFERRER not in roles:
        found.append(Caution.NO_REFERRER)
    if any(count > 1 for count in agencies.values()):
        found.append(Caution.SAME_AGENCY)
    if len(seats) > MAX_ATTENDEES:
        found.append(Caution.TOO_MANY)
    if interpreter_needed and AttendeeRole.INTERPRETER not in roles:
        found.append(Caution.NO_INTERPRETER)
    return found
