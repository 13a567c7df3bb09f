"""The JSON API over HTTP on both databases: Bearer tokens scoped to a team, meetings
with follow-up status, creating a meeting, survey aggregates, and an OpenAPI document
that lists exactly the routes; and `flerpart token create`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.process import FlerpartProcess
from flows.core import limits
from flows.staff.api_tokens import create_token
from storage.models import Attendee, Meeting, MeetingStatus, Person, Team
from storage.record_models import ApiToken
from tests.chat_driver import Chat
from tests.conftest import local_process
from tests.dashboard_seed import NOW, PHONE, World, seed
from tests.test_cli import flerpart


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, **database_env) as running:
        yield running


@pytest.fixture
async def world(process) -> World:
    return await seed()


@pytest.fixture
async def api(process, world) -> AsyncIterator[aiohttp.ClientSession]:
    token, _ = await create_token("Nord")
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base_url=process.local_url, headers=headers) as http:
        yield http


async def test_no_or_a_wrong_token_is_a_401(process, world):
    async with aiohttp.ClientSession(base_url=process.local_url) as http:
        for headers in ({}, {"Authorization": "Bearer flp_wrong"}, {"Authorization": "Basic x"}):
            async with http.get("/api/meetings", headers=headers) as response:
                assert response.status == 401
                assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_revoked_token_stops_working(process, world):
    token, row = await create_token("Nord")
    await ApiToken.filter(id=row.id).update(revoked_at=NOW)
    async with aiohttp.ClientSession(base_url=process.local_url) as http:
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get("/api/meetings", headers=headers) as response:
            assert response.status == 401


async def test_meetings_are_the_tokens_team_only_with_follow_up_status(api, world):
    async with api.get("/api/meetings") as response:
        body = await response.json()
    ids = {m["id"] for m in body["meetings"]}
    assert ids == {world.upcoming.id, world.held.id, world.other.id}
    upcoming = next(m for m in body["meetings"] if m["id"] == world.upcoming.id)
    assert upcoming["information"] == {"failed": 1}
    assert upcoming["person_in_focus_response"] == "pending"
    async with api.get(f"/api/meetings/{world.held.id}") as response:
        held = await response.json()
    assert held["survey"] == {"sent": 1, "answered": 1}
    assert held["attendees"] == [
        {"role": "person_in_focus", "agency": "none", "response": "pending"}
    ]
    assert PHONE not in str(held)
    async with api.get(f"/api/meetings/{world.south.id}") as response:
        assert response.status == 404  # another team's


async def test_a_bad_filter_is_a_400(api, world):
    async with api.get("/api/meetings?from=yesterday") as response:
        assert response.status == 400 and "from" in (await response.json())["error"]


async def test_creating_a_meeting_makes_a_draft_for_the_convenor(api, world):
    payload = {
        "purpose": "Plan for work",
        "starts_at": (NOW + timedelta(days=10)).isoformat(),
        "convenor_id": world.karin.id,
        "attendees": [
            {"first_name": "Amina", "role": "person_in_focus", "phone": "070-174 06 06"},
            {"first_name": "Johan", "role": "agency_staff", "agency": "arbetsformedlingen"},
        ],
    }
    async with api.post("/api/meetings", json=payload) as response:
        assert response.status == 201, await response.text()
        created = await response.json()
    meeting = await Meeting.get(id=created["id"])
    assert meeting.status is MeetingStatus.DRAFT and meeting.convenor_id == world.karin.id
    assert meeting.team_id == world.karin.team_id
    assert await Attendee.filter(meeting=meeting).count() == 2


async def test_a_meeting_posted_without_a_zone_is_in_its_teams_zone(api, world):
    await Team.filter(name="Nord").update(timezone="Europe/Helsinki")
    payload = {**_new_meeting(), "starts_at": "2027-03-20T10:00:00"}  # no offset, no zone
    async with api.post("/api/meetings", json=payload) as response:
        assert response.status == 201, await response.text()
        created = await response.json()
    meeting = await Meeting.get(id=created["id"])
    assert meeting.timezone == "Europe/Helsinki"
    assert meeting.starts_at == datetime(2027, 3, 20, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki


@pytest.mark.parametrize(
    "change",
    [
        {"attendees": []},  # no person in focus
        {"starts_at": "2020-01-01T10:00:00+01:00"},  # the past
        {"convenor_id": -1},
        {"attendees": [{"first_name": "A", "role": "person_in_focus", "phone": "12"}]},
        {"attendees": [{"first_name": "A", "role": "boss"}]},
    ],
)
async def test_a_meeting_that_cannot_be_made_is_a_422(api, world, change):
    payload = {
        "purpose": "Plan",
        "starts_at": (NOW + timedelta(days=10)).isoformat(),
        "attendees": [{"first_name": "Amina", "role": "person_in_focus"}],
        **change,
    }
    async with api.post("/api/meetings", json=payload) as response:
        assert response.status == 422, await response.text()
    assert await Meeting.filter(purpose="Plan").count() == 0


async def test_one_phone_number_is_one_attendee(api, world):
    """The same number written two ways for two attendees: refused, with a plain sentence."""
    payload = {
        "purpose": "Plan",
        "starts_at": (NOW + timedelta(days=10)).isoformat(),
        "attendees": [
            {"first_name": "Amina", "role": "person_in_focus", "phone": "+46 (0)70 174 06 05"},
            {"first_name": "Erik", "role": "agency_staff", "phone": "070-174 06 05"},
        ],
    }
    async with api.post("/api/meetings", json=payload) as response:
        assert response.status == 422
        error = (await response.json())["error"]
    assert error == (
        "'Erik' has the same phone number as 'Amina': each attendee needs their own number"
    )
    assert await Meeting.filter(purpose="Plan").count() == 0


async def test_survey_aggregates_count_answers_without_people(api, world):
    async with api.get("/api/survey?from=2027-01-01&to=2027-03-31") as response:
        body = await response.json()
    assert (body["sent"], body["answered"]) == (1, 1)
    march = next(m for m in body["months"] if m["month"] == "2027-03")
    assert march["answers"]["next_known"] == {"0": 1}
    assert body["funnel"]["survey_answered"] == 1


async def test_the_openapi_document_lists_exactly_the_routes(process):
    async with (
        aiohttp.ClientSession(base_url=process.local_url) as http,
        http.get("/api/openapi.json") as response,
    ):
        document = await response.json()
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routed = set()
    for route in process._runner.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        # The catch-all only turns unknown paths into a JSON 404; it serves nothing.
        if path.startswith("/api") and route.method != "HEAD" and path != "/api/{tail}":
            routed.add((re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path), route.method))
    assert documented == routed


def test_token_create_prints_a_token_once_and_stores_its_hash(tmp_path):
    invited = flerpart("invite", "--role", "coordinator", "--team", "Nord", cwd=tmp_path)
    assert invited.returncode == 0, invited.stderr
    result = flerpart("token", "create", "--team", "Nord", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[0]
    assert token.startswith("flp_") and len(token) > 40
    database = (tmp_path / "data" / "flerpart.sqlite3").read_bytes()
    assert token.encode() not in database
    unknown = flerpart("token", "create", "--team", "Nowhere", cwd=tmp_path)
    assert unknown.returncode == 2 and "Nowhere" in unknown.stderr


async def test_an_unknown_api_path_is_a_json_404(process):
    async with aiohttp.ClientSession(base_url=process.local_url) as http:
        for path in ("/api/nothing", "/api/meetings/null,null", "/api/meetings/12/x"):
            async with http.get(path) as response:
                assert response.status == 404
                assert response.content_type == "application/json"


FIELD_LIMITS = [
    # (where in the request, field, the bot's limit)
    ("meeting", "purpose", limits.PURPOSE),
    ("meeting", "place", limits.PLACE),
    ("meeting", "timezone", limits.TIMEZONE),
    ("attendee", "first_name", limits.FIRST_NAME),
    ("attendee", "why", limits.WHY),
    ("attendee", "phone", limits.PHONE),
]


def _new_meeting(where: str = "", field: str = "", value: object = None) -> dict:
    person = {"first_name": "Amina", "role": "person_in_focus", "why": "Det är ditt möte."}
    payload = {
        "purpose": "Plan",
        "place": "Rum 1",
        "starts_at": (NOW + timedelta(days=10)).isoformat(),
        "attendees": [person],
    }
    if where == "meeting":
        payload[field] = value
    elif where == "attendee":
        person[field] = value
    return payload


@pytest.mark.parametrize(("where", "field", "limit"), FIELD_LIMITS)
async def test_free_text_longer_than_the_bot_takes_is_a_422_naming_the_limit(
    api, world, where, field, limit
):
    async with api.post("/api/meetings", json=_new_meeting(where, field, "a" * (limit + 1))) as r:
        assert r.status == 422, await r.text()
        assert (await r.json())["error"] == f"{field} must be at most {limit} characters"
    async with api.post("/api/meetings", json=_new_meeting(where, field, ["a"])) as r:
        assert r.status == 422 and (await r.json())["error"] == f"{field} must be a string"
    assert await Meeting.all().count() == 4  # the seeded ones only


async def test_free_text_up_to_the_limit_is_kept_whole(api, world):
    payload = _new_meeting()
    payload["purpose"] = "p" * limits.PURPOSE
    payload["place"] = "r" * limits.PLACE
    payload["attendees"][0].update(first_name="A" * limits.FIRST_NAME, why="w" * limits.WHY)
    async with api.post("/api/meetings", json=payload) as response:
        assert response.status == 201, await response.text()
        meeting = await Meeting.get(id=(await response.json())["id"])
    assert (len(meeting.purpose), len(meeting.place)) == (limits.PURPOSE, limits.PLACE)
    seat = await Attendee.get(meeting=meeting).prefetch_related("person")
    assert (len(seat.person.first_name), len(seat.why)) == (limits.FIRST_NAME, limits.WHY)


@pytest.mark.parametrize("zone", ["Europe/" + "x" * 300, "Mars/Olympus", "../etc", "a\x00"])
async def test_a_timezone_that_is_no_zone_is_a_422(api, world, zone):
    async with api.post("/api/meetings", json=_new_meeting("meeting", "timezone", zone)) as r:
        assert r.status == 422, await r.text()


async def test_the_openapi_document_states_the_bots_limits(process):
    async with (
        aiohttp.ClientSession(base_url=process.local_url) as http,
        http.get("/api/openapi.json") as response,
    ):
        schema = (await response.json())["components"]["schemas"]["NewMeeting"]
    attendee = schema["properties"]["attendees"]["items"]
    for where, field, limit in FIELD_LIMITS:
        properties = schema["properties"] if where == "meeting" else attendee["properties"]
        assert properties[field]["maxLength"] == limit, field


def test_the_limits_fit_their_columns():
    columns = {
        limits.PURPOSE: None,  # a TextField
        limits.PLACE: Meeting._meta.fields_map["place"].max_length,
        limits.TIMEZONE: Meeting._meta.fields_map["timezone"].max_length,
        limits.FIRST_NAME: Person._meta.fields_map["first_name"].max_length,
        limits.WHY: Attendee._meta.fields_map["why"].max_length,
    }
    for limit, column in columns.items():
        assert column is None or limit <= column


async def test_the_bot_and_the_api_draw_the_line_at_the_same_length(process, api, world):
    chat = Chat(process, world.karin.telegram_user_id)
    await chat.send("/new", expect="What is the meeting for?")
    too_long = "ord " * (limits.PURPOSE // 4) + "x"
    await chat.send(too_long, expect=f"at most {limits.PURPOSE} characters")
    async with api.post("/api/meetings", json=_new_meeting("meeting", "purpose", too_long)) as r:
        assert r.status == 422
