"""Stored XSS, SQL injection and spreadsheet formulas through every free-text field: on
every page and in every export they end up as inert text, and the data stays whole."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
from icalendar import Calendar

from bot.process import FlerpartProcess
from storage.message_models import InboundMessage, SurveyAnswer
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeRole,
    Channel,
    Meeting,
    Note,
    NoteKind,
    Person,
    SurveyStatus,
)
from tests.conftest import local_process
from tests.dashboard_seed import NOW, logged_in, seed
from tests.factories import page_token

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "'); DROP TABLE meeting; --"
FORMULA = "=1+2"
HOSTILE = f"{XSS} {SQL}"


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, **database_env) as running:
        yield running


async def hostile_meeting() -> tuple[Meeting, object]:
    """The seeded world, with every free-text field of the held meeting made hostile."""
    world = await seed(karin_name=f"{FORMULA} Karin {XSS}")
    held = world.held
    await Meeting.filter(id=held.id).update(purpose=f"{FORMULA} {HOSTILE}", place=HOSTILE)
    await Person.filter(attendances__meeting=held).update(first_name=f"{FORMULA}<script>x")
    person = await Person.get(attendances__meeting=held)
    await Attendee.create(
        meeting=held, person=person, role=AttendeeRole.RELATIVE, why=f"{FORMULA} {HOSTILE}"
    )
    await Note.create(meeting=held, kind=NoteKind.DECISION, text=HOSTILE)
    await Note.create(meeting=held, kind=NoteKind.PERSON_VIEW, text=f"{FORMULA}{SQL}")
    await ActionItem.filter(meeting=held).update(what=f"{FORMULA} {HOSTILE}")
    await InboundMessage.create(
        channel=Channel.SMS, provider_message_id="SMx", person=person, meeting=held, body=HOSTILE
    )
    await SurveyAnswer.create(
        meeting=held,
        person=person,
        question="other",
        text=f"{FORMULA}{HOSTILE}",
        status=SurveyStatus.ANSWERED,
        asked_at=NOW,
        answered_at=NOW,
    )
    return held, world


def assert_inert(page: str, where: str) -> None:
    assert "<script>alert" not in page, where
    assert "<img src=x" not in page, where


async def test_hostile_text_is_inert_on_every_page_and_export(process):
    held, world = await hostile_meeting()
    await Meeting.filter(id=world.upcoming.id).update(purpose=HOSTILE, place=HOSTILE)
    token = await page_token(await Meeting.get(id=world.upcoming.id))
    pages = [
        "/dashboard?lang=en",
        "/dashboard/meetings?lang=en",
        f"/dashboard/meetings/{held.id}?lang=en",
        "/dashboard/survey?lang=en",
    ]
    for staff in (world.cora, world.karin, world.ada):
        http = await logged_in(process, staff)
        try:
            for path in pages:
                async with http.get(path) as response:
                    assert response.status == 200, path
                    assert_inert(await response.text(), path)
            for export in ("/dashboard/export/meetings.csv", "/dashboard/export/answers.csv"):
                async with http.get(export) as response:
                    assert response.status == 200
                    text = await response.text()
                rows = list(csv.reader(io.StringIO(text)))
                if export.endswith("meetings.csv"):
                    assert f"'{FORMULA}" in text  # the convenor's name, quoted as text
                for row in rows:
                    for cell in row:
                        # A spreadsheet must not run it: formulas are quoted as text.
                        assert not cell.startswith(("=", "+", "-", "@")), (export, cell)
        finally:
            await http.close()
    async with await logged_in(process, world.cora) as http:
        for path in (f"/i/{token}?lang=en", f"/i/{token}?lang=ar"):
            async with http.get(path) as response:
                assert response.status == 200, path
                assert_inert(await response.text(), path)
        # The calendar file is plain text by its type: the words stay, as words.
        async with http.get(f"/i/{token}.ics") as response:
            assert response.content_type == "text/calendar"
            event = Calendar.from_ical(await response.read()).walk("VEVENT")[0]
            assert HOSTILE in str(event["DESCRIPTION"]) and str(event["LOCATION"]) == HOSTILE
    # The injection attempts are data, stored as written: nothing was dropped or changed.
    assert (await Meeting.get(id=held.id)).purpose == f"{FORMULA} {HOSTILE}"
    assert await Meeting.all().count() == 4
    assert (await Note.get(meeting=held, kind=NoteKind.DECISION)).text == HOSTILE
