"""The seeds' rules for who sits at the table, as warnings the convenor may override.

Each rule looks at the attendees only (and whether an interpreter is needed);
none blocks: the convenor knows things we do not, and says so with one tap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from storage.models import Agency, AttendeeResponse, AttendeeRole

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


def cautions(seats: Iterable[Seat], interpreter_needed: bool) -> list[Caution]:
    seats = [s for s in seats if s.response is not AttendeeResponse.DECLINED]
    roles = {s.role for s in seats}
    agencies = Counter(s.agency for s in seats if s.agency not in (Agency.NONE, Agency.OTHER))
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
