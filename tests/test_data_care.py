"""Right of access, right to erasure and retention: what goes, what stays, what is said."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.care import person_data, retention
from storage.message_models import InboundMessage, OutboxMessage, SurveyAnswer
from storage.models import (
    ActionItem,
    Attendee,
    Channel,
    Consent,
    ConsentKind,
    InfoLink,
    Meeting,
    MeetingStatus,
    Note,
    NoteKind,
    OutboxStatus,
    Person,
    SurveyStatus,
)
from storage.record_models import AuditEvent
from tests.conftest import migrated_sqlite
from tests.factories import convenor, meeting_with_attendees, page_token

ROOT = Path(__file__).resolve().parent.parent
AMINA = "+46701740605"
NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


async def amina_with_history() -> tuple[Meeting, Person]:
    staff = await convenor()
    meeting = await meeting_with_attendees(
        NOW - timedelta(days=200), staff, phones=(AMINA, "+46701740606")
    )
    amina = await Person.get(phone=AMINA)
    await InboundMessage.create(
        channel=Channel.SMS,
        provider_message_id="SM1",
        person=amina,
        meeting=meeting,
        body="Jag har ont i ryggen",
    )
    await SurveyAnswer.create(
        meeting=meeting,
        person=amina,
        question="could_say",
        value=4,
        status=SurveyStatus.ANSWERED,
        asked_at=NOW,
        answered_at=NOW,
    )
    await SurveyAnswer.create(
        meeting=meeting,
        person=amina,
        question="other",
        text="Bra möte, Karin lyssnade",
        status=SurveyStatus.ANSWERED,
        asked_at=NOW,
        answered_at=NOW,
    )
    for status in (OutboxStatus.SENT, OutboxStatus.SCHEDULED):
        await OutboxMessage.create(
            meeting=meeting,
            person=amina,
            channel=Channel.SMS,
            kind="reminder",
            template="reminder_participant",
            body="Hej Amina!" if status is OutboxStatus.SENT else None,
            status=status,
            due_at=NOW,
            next_attempt_at=NOW,
        )
    await OutboxMessage.create(
        meeting=meeting,
        staff_user=staff,
        channel=Channel.TELEGRAM,
        kind="alert",
        template="forwarded_reply",
        params={"person_id": amina.id, "text": "Jag har ont i ryggen"},
        body="Meddelande från Amina: Jag har ont i ryggen",
        status=OutboxStatus.SENT,
        due_at=NOW,
        next_attempt_at=NOW,
    )
    await Note.create(meeting=meeting, kind=NoteKind.DECISION, text="Amina börjar praktik")
    await ActionItem.create(meeting=meeting, what="Ring Aminas läkare")
    await Meeting.filter(id=meeting.id).update(
        status=MeetingStatus.CLOSED, closed_at=NOW - timedelta(days=181)
    )
    return meeting, amina


async def test_export_holds_everything_stored_about_the_person(db):
    meeting, amina = await amina_with_history()
    data = await person_data.export(AMINA, "test")
    [person] = data["people"]
    assert person["first_name"] == "Amina" and person["phone"] == AMINA
    assert person["consents"][0]["kind"] == "contact_sms"
    assert person["meetings"][0]["meeting_id"] == meeting.id
    assert person["messages_received_from_them"][0]["text"] == "Jag har ont i ryggen"
    assert {m["status"] for m in person["messages_sent_to_them"]} == {"sent", "scheduled"}
    assert {a["question"] for a in person["survey_answers"]} == {"could_say", "other"}
    json.dumps(data)  # plain JSON data, nothing else
    assert await AuditEvent.exists(action="export", object_id=str(amina.id))


async def test_erasure_removes_the_person_everywhere_and_keeps_the_numbers(db):
    meeting, amina = await amina_with_history()
    seats = await Attendee.filter(meeting=meeting).order_by("id")
    for seat in seats:
        await page_token(meeting, seat)
    done = await person_data.erase(AMINA, "test", NOW)
    assert done == {
        "people": 1,
        "cancelled_messages": 1,
        "messages_cleared": 4,
        "answers_cleared": 1,
    }
    erased = await Person.get(id=amina.id)
    assert (erased.first_name, erased.phone, erased.anonymised_at) == ("-", None, NOW)
    assert not await OutboxMessage.filter(person=erased, status=OutboxStatus.SCHEDULED).exists()
    assert not await OutboxMessage.filter(body__contains="Amina").exists()
    alert = await OutboxMessage.get(kind="alert")
    assert alert.params == {} and alert.status is OutboxStatus.SENT
    assert (await InboundMessage.get(provider_message_id="SM1")).body == ""
    score = await SurveyAnswer.get(question="could_say")
    assert (score.value, score.person_id) == (4, amina.id)  # the score stays, unnamed
    assert (await SurveyAnswer.get(question="other")).text is None
    assert await Consent.filter(person=erased, withdrawn_at=None).count() == 0
    # Her page link goes; Erik's stays.
    assert [link.attendee_id for link in await InfoLink.filter(meeting=meeting)] == [seats[1].id]
    # The other person of the meeting is untouched, and nothing is left to find.
    assert await Person.exists(phone="+46701740606", first_name="Erik")
    assert (await person_data.export(AMINA, "test"))["people"] == []
    assert await AuditEvent.exists(action="erase", object_id=str(amina.id))


async def test_retention_anonymises_meetings_closed_long_ago_but_keeps_counts(db):
    meeting, _amina = await amina_with_history()
    await page_token(meeting)
    staff = await convenor(502)
    recent = await meeting_with_attendees(NOW - timedelta(days=10), staff, phones=("+46701740607",))
    await Meeting.filter(id=recent.id).update(
        status=MeetingStatus.CLOSED, closed_at=NOW - timedelta(days=9)
    )
    assert await retention.anonymise_old_meetings(NOW, days=180) == 1
    old = await Meeting.get(id=meeting.id)
    assert (old.purpose, old.place, old.status, old.anonymised_at) == (
        "",
        "",
        MeetingStatus.CLOSED,
        NOW,
    )
    assert (await Note.get(meeting=meeting)).text == "-"
    assert (await ActionItem.get(meeting=meeting)).what == "-"
    assert not await Attendee.filter(meeting=meeting, why__not="").exists()
    assert not await Person.filter(phone__in=[AMINA, "+46701740606"]).exists()
    assert await Attendee.filter(meeting=meeting).count() == 2  # seats, and so counts, stay
    assert not await InfoLink.filter(meeting=meeting).exists()
    assert (await SurveyAnswer.get(question="could_say")).value == 4
    # The recent meeting keeps its data; a second run changes nothing.
    assert (await Meeting.get(id=recent.id)).purpose != ""
    assert await Person.exists(phone="+46701740607")
    assert await retention.anonymise_old_meetings(NOW, days=180) == 0


def test_person_export_and_erase_from_the_command_line(tmp_path):
    url = migrated_sqlite(tmp_path)

    async def seed() -> None:
        from tortoise.context import TortoiseContext

        from storage.db import tortoise_config

        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            await amina_with_history()

    import asyncio

    asyncio.run(seed())

    def flerpart(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "person", *args],
            cwd=ROOT,
            env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
        )

    exported = flerpart("export", "--phone", "070-174 06 05")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["people"][0]["first_name"] == "Amina"
    erased = flerpart("erase", "--phone", "+46701740605")
    assert erased.returncode == 0, erased.stderr
    assert "anonymised 1 person record(s) with +46 70 *** ** 05" in erased.stdout
    assert AMINA not in erased.stdout + erased.stderr
    again = flerpart("erase", "--phone", "+46701740605")
    assert again.returncode == 1 and "nobody" in again.stdout
    bad = flerpart("export", "--phone", "hello")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


async def test_no_message_is_planned_for_a_person_without_a_recorded_consent(db):
    from flows.outbox.campaign import schedule_information, schedule_reminders

    staff = await convenor()
    meeting = await meeting_with_attendees(NOW + timedelta(days=7), staff, consented=False)
    assert await schedule_reminders(meeting) == (0, 0)
    assert await schedule_information(meeting, NOW) == (0, 0)
    amina = await Person.get(phone=AMINA)
    consent = await Consent.create(person=amina, kind=ConsentKind.CONTACT_SMS, given_at=NOW)
    assert (await schedule_reminders(meeting))[0] > 0
    # Withdrawn is as good as never given: the next planning cancels what is pending.
    await Consent.filter(id=consent.id).update(withdrawn_at=NOW, withdrawn_via="staff:1")
    created, cancelled = await schedule_reminders(meeting)
    assert created == 0 and cancelled > 0


async def test_the_periodic_upkeep_runs_retention_once_per_day_of_the_clock(tmp_path):
    from bot.periodic import maintain_outbox
    from flows.core.clock import clock
    from tests.conftest import local_process

    clock.set(NOW)
    async with local_process(tmp_path, RETENTION_DAYS="30") as process:
        meeting, _amina = await amina_with_history()
        await Meeting.filter(id=meeting.id).update(closed_at=NOW - timedelta(days=31))
        process.services.retention_day = None
        await maintain_outbox(process.services)
        assert (await Meeting.get(id=meeting.id)).anonymised_at is not None
        assert process.services.retention_day == NOW.date()


async def test_the_daily_upkeep_gives_sqlite_its_planner_statistics(tmp_path):
    # Without them SQLite walked every team's survey answers for one team's dashboard.
    from tortoise import connections

    from bot.periodic import maintain_outbox
    from flows.core.clock import clock
    from tests.conftest import local_process

    clock.set(NOW)
    async with local_process(tmp_path) as process:
        await amina_with_history()
        conn = connections.get("default")
        await conn.execute_script("DROP TABLE IF EXISTS sqlite_stat1")
        process.services.retention_day = None
        await maintain_outbox(process.services)
        _, rows = await conn.execute_query("SELECT tbl FROM sqlite_stat1")
        assert {"meeting", "surveyanswer"} <= {row["tbl"] for row in rows}
