"""LIX readability and the seeds' guard rails on who attends."""

from __future__ import annotations

from flows.core.guard_rails import Caution, Seat, cautions
from flows.core.lix import lix
from storage.models import Agency, AttendeeResponse, AttendeeRole

PLAIN = "Vi ska prata om ditt arbete. Vi gör en plan. Du bestämmer med oss."
AGENCY = (
    "Syftet med sammanträdet är att genomföra en gemensam kartläggning av "
    "arbetsförmågan inför eventuell arbetslivsinriktad rehabilitering."
)


def test_lix_counts_words_per_sentence_and_long_words():
    # 4 words, 2 sentences, 1 long word ("arbetet" has 7 letters): 2 + 25.
    assert lix("Vi tar arbetet. Bra.") == 2 + 25
    assert lix("") == 0 and lix("🙂 123") == 0


def test_plain_purpose_is_easy_and_agency_prose_is_hard():
    assert lix(PLAIN) < 30
    assert lix(AGENCY) > 40


def seat(role: AttendeeRole, agency: Agency = Agency.NONE, **kw) -> Seat:
    return Seat(role, agency, **kw)


PERSON = seat(AttendeeRole.PERSON_IN_FOCUS)
REFERRER = seat(AttendeeRole.REFERRER, Agency.KOMMUN)


def test_a_well_composed_meeting_has_no_warnings():
    staff = seat(AttendeeRole.AGENCY_STAFF, Agency.FORSAKRINGSKASSAN)
    assert cautions([PERSON, REFERRER, staff], interpreter_needed=False) == []


def test_forsakringskassan_without_the_person_is_warned():
    staff = seat(AttendeeRole.AGENCY_STAFF, Agency.FORSAKRINGSKASSAN)
    assert Caution.FK_WITHOUT_PERSON in cautions([REFERRER, staff], False)
    declined = seat(AttendeeRole.PERSON_IN_FOCUS, response=AttendeeResponse.DECLINED)
    assert Caution.FK_WITHOUT_PERSON in cautions([declined, REFERRER, staff], False)


def test_missing_referrer_same_agency_crowd_and_interpreter_are_warned():
    assert cautions([PERSON], False) == [Caution.NO_REFERRER]
    two = [PERSON, REFERRER, seat(AttendeeRole.AGENCY_STAFF, Agency.KOMMUN)]
    assert cautions(two, False) == [Caution.SAME_AGENCY]
    crowd = [PERSON, REFERRER] + [seat(AttendeeRole.RELATIVE)] * 5
    assert cautions(crowd, False) == [Caution.TOO_MANY]
    assert cautions([PERSON, REFERRER], True) == [Caution.NO_INTERPRETER]
    assert cautions([PERSON, REFERRER, seat(AttendeeRole.INTERPRETER)], True) == []
