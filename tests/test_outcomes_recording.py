"""The convenor records the agreed step on the ladder in `/after` with one tap (or "not
assessed"), with who and when; the team's own step names are on the buttons."""

from __future__ import annotations

from flows.core.clock import clock
from flows.core.i18n import use_locale
from flows.meetings import convenor
from flows.outcomes import ladder
from storage.models import Attendee, Consent, ConsentKind, StepAssessor, Team
from storage.record_models import StepAssessment
from tests.factories import convenor as make_convenor
from tests.test_after_the_meeting import _data, _ended_meeting, _labels, _until_feedback


async def _to_the_step(staff, meeting):
    replies = await _until_feedback(staff, meeting)
    replies = await convenor.on_answer(staff, replies[-1].buttons[0][0].press)  # default day
    return await convenor.on_answer(staff, _data(replies, "No"))  # no next meeting


async def test_the_convenor_records_the_agreed_step_with_one_tap(db):
    staff = await make_convenor()
    staff.language = "en"
    await staff.save()
    meeting = await _ended_meeting(staff, phones=("+46701740605",))
    await ladder.rename(await Team.get(id=staff.team_id), 5, "Praktik hos oss", staff)
    with use_locale("en"):
        replies = await _to_the_step(staff, meeting)
        assert replies[-1].text.startswith("Which step on the ladder")
        assert _labels(replies[-1]) == [
            "1 · At home, little contact",
            "2 · Talks and a plan",
            "3 · Activities in a group",
            "4 · Guidance and applying",
            "5 · Praktik hos oss",
            "6 · Work, studies or benefit",
            "Not assessed",
        ]
        replies = await convenor.on_answer(staff, _data(replies, "5 ·"))
        assert "may we send Amina one short question" in replies[-1].text
        replies = await convenor.on_answer(staff, _data(replies, "Yes, Amina agrees"))
        assert "This is what Amina will get" in replies[-1].text
    row = await StepAssessment.get(meeting=meeting)
    amina = await Attendee.get(meeting=meeting, role="person_in_focus")
    assert (row.step, row.assessed_by, row.recorded_by_id, row.person_id) == (
        5,
        StepAssessor.CONVENOR,
        staff.id,
        amina.person_id,
    )
    assert row.recorded_at <= clock.now()
    consent = await Consent.get(person_id=amina.person_id, kind=ConsentKind.OUTCOME_QUESTION)
    assert consent.recorded_by_id == staff.id and consent.withdrawn_at is None


async def test_not_assessed_is_recorded_as_no_step(db):
    staff = await make_convenor()
    staff.language = "en"
    await staff.save()
    meeting = await _ended_meeting(staff, phones=("+46701740605",))
    with use_locale("en"):
        replies = await _to_the_step(staff, meeting)
        replies = await convenor.on_answer(staff, _data(replies, "Not assessed"))
        replies = await convenor.on_answer(staff, _data(replies, "No"))
        assert "This is what Amina will get" in replies[-1].text
    assert not await Consent.exists(kind=ConsentKind.OUTCOME_QUESTION)
    row = await StepAssessment.get(meeting=meeting)
    assert row.step is None and row.recorded_by_id == staff.id
