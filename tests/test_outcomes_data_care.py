"""The ladder steps and the outcome question under data care: the export lists them,
erasure closes an open question and unties nothing it must keep, retention keeps the
numbers and closes what is still open. And a team may rename a step, never renumber it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows.care import person_data, retention
from flows.core.i18n import use_locale
from flows.outcomes import ladder
from storage.models import (
    Consent,
    ConsentKind,
    OutcomeCategory,
    Person,
    StepAssessor,
    SurveyStatus,
    Team,
)
from storage.record_models import OutcomeAnswer, StepAssessment
from tests.test_data_care import AMINA, NOW, amina_with_history


async def _steps_and_outcome(meeting, amina):
    await StepAssessment.create(
        meeting=meeting,
        person=amina,
        assessed_by=StepAssessor.CONVENOR,
        step=3,
        recorded_at=NOW - timedelta(days=200),
    )
    await StepAssessment.create(
        meeting=meeting, person=amina, assessed_by=StepAssessor.PERSON, step=4, recorded_at=NOW
    )
    consent = await Consent.create(
        person=amina, kind=ConsentKind.OUTCOME_QUESTION, given_at=NOW - timedelta(days=200)
    )
    return await OutcomeAnswer.create(
        meeting=meeting,
        person=amina,
        consent=consent,
        asked_at=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=2),
    )


async def test_export_lists_the_persons_steps_and_outcome_question(db):
    meeting, amina = await amina_with_history()
    await _steps_and_outcome(meeting, amina)
    [person] = (await person_data.export(AMINA, "test"))["people"]
    assert [(s["by"], s["step"]) for s in person["ladder_steps"]] == [
        ("convenor", 3),
        ("person", 4),
    ]
    assert person["outcome_questions"][0]["status"] == "open"
    assert "outcome_question" in {c["kind"] for c in person["consents"]}


async def test_erasure_closes_the_open_outcome_question_and_withdraws_its_consent(db):
    meeting, amina = await amina_with_history()
    await _steps_and_outcome(meeting, amina)
    await person_data.erase(AMINA, "test", NOW)
    question = await OutcomeAnswer.get(meeting=meeting)
    assert question.status is SurveyStatus.EXPIRED
    assert not await Consent.filter(
        person_id=amina.id, kind=ConsentKind.OUTCOME_QUESTION, withdrawn_at=None
    ).exists()
    # The steps are numbers without words: they stay, and the person row is anonymised.
    assert await StepAssessment.filter(meeting=meeting).count() == 2
    assert (await Person.get(id=amina.id)).phone is None


async def test_retention_keeps_steps_and_answers_and_closes_an_open_question(db):
    meeting, amina = await amina_with_history()
    await _steps_and_outcome(meeting, amina)
    answered = await OutcomeAnswer.create(
        meeting=meeting,
        person=await Person.get(phone="+46701740606"),
        asked_at=NOW,
        expires_at=NOW,
        status=SurveyStatus.ANSWERED,
        category=OutcomeCategory.STUDIES,
        answered_at=NOW,
    )
    assert await retention.anonymise_old_meetings(NOW, days=180) == 1
    assert (await OutcomeAnswer.get(person_id=amina.id)).status is SurveyStatus.EXPIRED
    assert (await OutcomeAnswer.get(id=answered.id)).category is OutcomeCategory.STUDIES
    assert sorted(await StepAssessment.filter(meeting=meeting).values_list("step", flat=True)) == [
        3,
        4,
    ]


async def test_a_team_renames_a_step_but_cannot_add_or_renumber_one(db):
    team = await Team.create(name="Steg")
    other = await Team.create(name="Andra")
    staff = None
    with use_locale("en"):
        assert await ladder.rename(team, 3, "  Gruppen\u200b på torsdagar ", staff) == (
            "Gruppen på torsdagar"
        )
        names = await ladder.names(team.id)
        assert names[3] == "Gruppen på torsdagar" and names[1] == "At home, little contact"
        assert (await ladder.names(other.id))[3] == "Activities in a group"
        assert await ladder.rename(team, 3, " ", staff) == "Activities in a group"
        assert (await ladder.names(team.id))[3] == "Activities in a group"
        with pytest.raises(ladder.NotAStep):
            await ladder.rename(team, 7, "Eget företag", staff)
    with use_locale("sv"):
        assert list(await ladder.names(None)) == [1, 2, 3, 4, 5, 6]
