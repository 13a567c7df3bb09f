"""`/dashboard/outcomes` and `GET /api/outcomes`: a person's step recorded over three meetings
shows as movement; a group under 5 people shows nothing; every role sees its own scope;
the CSV has the page's figures and no names or numbers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.process import FlerpartProcess
from flows.outcomes import ladder
from flows.staff.api_tokens import create_token
from storage.models import (
    Attendee,
    AttendeeRole,
    Meeting,
    MeetingStatus,
    OutcomeCategory,
    Person,
    StaffUser,
    StepAssessor,
    SurveyStatus,
)
from storage.record_models import OutcomeAnswer, StepAssessment
from tests.conftest import local_process
from tests.dashboard_seed import NOW, World, logged_in, seed

# Amina moves 1 -> 3 -> 5 over three meetings; four others are assessed twice.
JOURNEYS = {"Amina": (1, 3, 5), "Bo": (2, 4), "Cai": (2, 2), "Dana": (1, 4), "Eli": (3, 6)}


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, **database_env) as running:
        yield running


async def steps_over_meetings(convenor: StaffUser, journeys: dict[str, tuple[int, ...]]) -> None:
    for name, steps in journeys.items():
        person = await Person.create(team_id=convenor.team_id, first_name=name, phone=None)
        for index, step in enumerate(steps):
            starts = NOW - timedelta(days=70 - 30 * index)
            meeting = await Meeting.create(
                team_id=convenor.team_id,
                convenor=convenor,
                purpose="Plan",
                timezone="Europe/Stockholm",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                status=MeetingStatus.HELD,
                closed_at=starts + timedelta(hours=2),
            )
            await Attendee.create(meeting=meeting, person=person, role=AttendeeRole.PERSON_IN_FOCUS)
            await StepAssessment.create(
                meeting=meeting,
                person=person,
                assessed_by=StepAssessor.CONVENOR,
                step=step,
                recorded_by=convenor,
                recorded_at=starts + timedelta(hours=1),
            )
        if name == "Olof":
            continue
        answered = name != "Eli"  # five asked, four answered (under 5: not shown)
        await OutcomeAnswer.create(
            meeting=meeting,
            person=person,
            asked_at=NOW - timedelta(days=1),
            expires_at=NOW + timedelta(days=2),
            status=SurveyStatus.ANSWERED if answered else SurveyStatus.OPEN,
            category=OutcomeCategory.WORK if answered else None,
            answered_at=NOW if answered else None,
        )


@pytest.fixture
async def world(process) -> World:
    found = await seed()
    await steps_over_meetings(found.karin, JOURNEYS)
    await steps_over_meetings(found.olle, {"Olof": (2, 3)})
    return found


async def _page(process: FlerpartProcess, staff: StaffUser, path: str) -> str:
    http = await logged_in(process, staff)
    async with http, http.get(path) as response:
        assert response.status == 200
        return await response.text()


async def test_steps_over_three_meetings_show_as_movement_on_the_page_and_in_the_api(
    process, world
):
    html = await _page(process, world.cora, "/dashboard/outcomes?lang=en")
    # Six people in Nord (Olle's Olof too): first 1,2,2,1,3,2 -> 1.8; latest 5,4,2,4,6,3 -> 4.0
    assert 'id="mean-first">1.8<' in html and 'id="mean-latest">4.0<' in html
    assert 'id="share-top">fewer than 5<' in html  # 4 of 6 now in steps 4-6: a small cell
    assert "<svg" in html and "5 · Training or internship" in html
    assert "fewer than 5" in html  # each step has under five people
    assert 'id="chart-leaves-out"' in html
    assert 'id="outcomes-suppressed"' in html  # four answers
    assert "Movement and outcomes" in html  # in the navigation
    token, _row = await create_token("Nord")
    async with (
        aiohttp.ClientSession(base_url=process.local_url) as http,
        http.get("/api/outcomes", headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        assert response.status == 200
        data = await response.json()
    steps = data["steps"]
    assert (steps["people"], steps["mean_first"], steps["mean_latest"]) == (6, 1.8, 4.0)
    assert steps["suppressed"] is False and steps["first"]["1"] is None
    assert data["outcomes"]["suppressed"] is True and data["outcomes"]["asked"] == 5
    assert data["outcomes"]["national_share_work_or_studies"] == 0.34


async def test_a_group_under_five_people_shows_no_figures(process, world):
    # Karin alone has five people; Olle alone has one: his page shows nothing.
    olle = await _page(process, world.olle, "/dashboard/outcomes?lang=en")
    assert 'id="steps-suppressed"' in olle and 'id="mean-first"' not in olle
    syd = await _page(process, world.syd, "/dashboard/outcomes?lang=en")
    assert 'id="steps-suppressed"' in syd  # another team's people are not counted
    token, _row = await create_token("Syd")
    async with (
        aiohttp.ClientSession(base_url=process.local_url) as http,
        http.get("/api/outcomes", headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        data = await response.json()
    assert data["steps"] == {
        "people": None,
        "assessed_more_than_once": None,
        "suppressed": True,
        "mean_first": None,
        "mean_latest": None,
        "share_in_steps_4_to_6": None,
        "first": {},
        "latest": {},
    }


async def test_each_role_sees_its_scope(process, world):
    karin = await _page(process, world.karin, "/dashboard/outcomes?lang=en")
    assert 'id="mean-first">1.8<' in karin  # her five: 1,2,2,1,3
    ada = await _page(process, world.ada, "/dashboard/outcomes?lang=en")
    assert "People with a step recorded</th><td>6<" in ada


async def test_enough_answers_show_the_outcomes_beside_the_national_share(process, world):
    extra = {f"P{i}": (2, 4) for i in range(3)}
    await steps_over_meetings(world.karin, extra)  # 7 answers now, all "work"
    html = await _page(process, world.cora, "/dashboard/outcomes?lang=en")
    assert 'id="outcomes-suppressed"' not in html
    assert "Work or studies: 100 %. In the whole country: 34 %" in html
    assert 'id="share-top">78 %<' in html  # 7 of 9 now in steps 4-6
    http = await logged_in(process, world.cora)
    async with http, http.get("/dashboard/export/outcomes.csv?lang=en") as response:
        assert response.headers["Content-Disposition"].startswith("attachment")
        text = (await response.read()).decode("utf-8-sig")
    rows = {(r["measure"], r["key"]): r["value"] for r in csv.DictReader(io.StringIO(text))}
    assert rows[("outcome_answers", "work")] == "7"
    assert rows[("outcome_answers", "studies")] == "0"
    assert rows[("people_with_a_step", "")] == "9"
    assert "Amina" not in text


async def test_an_admin_renames_a_step_for_the_team_and_a_coordinator_may_not(process, world):
    for staff, status in ((world.cora, 403), (world.ada, 200)):
        http = await logged_in(process, staff)
        async with http:
            async with http.get("/dashboard/outcomes?lang=en") as response:
                html = await response.text()
            assert ('id="rename-steps"' in html) is (status == 200)
            csrf = re.search(r'name="csrf" value="([^"]+)"', html)[1]
            form = {"csrf": csrf, "step3": "  Gruppen på torsdagar ", "step5": "", "step9": "x"}
            async with http.post("/dashboard/outcomes/steps?lang=en", data=form) as response:
                assert response.status == status
                html = await response.text()
    assert "3 · Gruppen på torsdagar" in html
    assert "5 · Training or internship" in html  # empty: ours
    names = await ladder.names(world.ada.team_id)
    assert names[3] == "Gruppen på torsdagar" and sorted(names) == [1, 2, 3, 4, 5, 6]


def test_a_lone_hidden_cell_cannot_be_worked_out_from_the_total():
    """6 answered: 5 work and 1 sick leave. Hiding only the 1 would leave it as 6 - 5:
    a second cell goes with it, so the subtraction gives no one away."""
    from flows.outcomes.figures import protected

    counts = {"work": 5, "studies": 0, "sick": 1, "other": 0}
    cells = protected(counts)
    assert cells["sick"] is None and cells["work"] is None
    assert cells["studies"] == 0 and cells["other"] == 0
    assert protected({"a": 5, "b": 7, "c": 0}) == {"a": 5, "b": 7, "c": 0}
