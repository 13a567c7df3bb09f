"""Three real replicas on one PostgreSQL database with the shared stand-ins (issue 15).

A whole meeting's traffic is spread over them: the shared Telegram stand-in hands each of
the convenor's updates to the next replica (as a load balancer would), inbound SMS are
posted to the replicas in turn, and every replica's clock is moved by the same amount.
One replica is killed with SIGKILL while it holds claimed reminders; another sends them.

The survivors' clocks jump past STALE_AFTER at once, so the failover printed is the wait
for their next minute job. FLERPART_E2E_REAL_FAILOVER=1 leaves the clocks alone after the
kill instead and prints the whole failover in real time (2 to 3 minutes longer).
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from tortoise.context import TortoiseContext

from bot.outbox.dispatcher import STALE_AFTER
from storage.db import tortoise_config
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import ActionItem, Meeting, MeetingStatus, OutboxStatus
from storage.record_models import DutyRun
from tests.conftest import PG_ADMIN_URL, _pg_url
from tests.replica_driver import Cluster, RemoteChat

pytestmark = pytest.mark.postgres

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)  # within SMS hours, not a holiday
KARIN, OLLE = 801, 802  # the convenor, the team's coordinator
AMINA, ERIK, LENA = "+46701740605", "+46701740606", "+46701740607"
BATCH = 16  # the dispatcher's stated duplicate bound: one batch per channel loop


@pytest.fixture
async def e2e_database(postgres_url):
    """A fresh, empty database: the replicas migrate it themselves, all three at once."""
    import asyncpg

    name = postgres_url.rsplit("/", 1)[1] + "_e2e"
    admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def prepare_meeting(chat: RemoteChat) -> None:
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send("We make a plan for your work. You decide with us.", expect="What kind")
    await chat.tap("Follow-up")
    await chat.send("3/3 10:00", expect="I understood: Wednesday 3 March 2027, 10:00")
    await chat.tap("Yes")
    await chat.tap("60 min")
    await chat.send("Kommunhuset, room Ekan", expect="Who is the meeting about?")
    await chat.send("Amina", expect="Which language")
    await chat.tap("Svenska")
    await chat.send("Vi gör en plan för ditt jobb. Du bestämmer med oss.", expect="interpreter")
    await chat.tap("No")
    await chat.tap("SMS")
    await chat.send("070-174 06 05", expect="agreed that we contact them")
    await chat.tap("Yes, record it now")
    for name, agency, role, phone in (
        ("Erik", "Försäkringskassan", "agency staff", "070-174 06 06"),
        ("Lena", "Municipality", "referrer", "070-174 06 07"),
    ):
        await chat.send(name, expect="Where does")
        await chat.tap(agency)
        await chat.tap(role)
        await chat.send(f"{name} helps you with the next step.", expect="How do we reach")
        await chat.send(phone, expect=f"Added: {name}")
        await chat.tap("Yes, record it now")
    await chat.tap("No more attendees")
    await chat.wait_for("Preparation")


async def close_meeting(chat: RemoteChat) -> None:
    await chat.tap("After the meeting")
    await chat.tap("It was held")
    await chat.send("I want to try a job with animals.", expect="What was decided?")
    await chat.send("You start a work trial in April.", expect="Noted.")
    await chat.tap("No more decisions")
    await chat.wait_for("Please write the decisions in Swedish too")
    await chat.send("Du börjar en arbetsträning i april.", expect="what is to be done?")
    await chat.send("Book a visit to the workplace", expect="Who does it?")
    await chat.tap("Erik")
    await chat.send("2027-03-10", expect="Added to the action plan")
    await chat.tap("No more items")
    await chat.tap("Lena")  # gives the feedback
    await chat.tap("2027-03-10")
    await chat.tap("No")  # no next meeting
    await chat.tap("4 · ")  # the step on the ladder they agreed on
    await chat.tap("agrees")  # to the outcome question in a few months
    await chat.tap("Send it and plan the survey")
    assert "The summary is on its way (1 message)" in (await chat.bot_messages())[-1]["text"]


async def until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (found := await check()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        await asyncio.sleep(0.2)
    return found


async def sms_rows() -> list[OutboxMessage]:
    return await OutboxMessage.filter(channel="sms").order_by("id")


async def test_three_replicas_share_a_meeting_and_survive_a_killed_one(e2e_database, tmp_path):
    async with aiohttp.ClientSession() as http:
        cluster = Cluster(tmp_path, e2e_database, http)
        try:
            await cluster.start(3)
            async with TortoiseContext() as orm:
                await orm.init(config=tortoise_config(e2e_database))
                await _meeting_across_replicas(cluster)
        finally:
            await cluster.stop()


async def _meeting_across_replicas(cluster: Cluster) -> None:
    first, victim, _third = cluster.replicas
    await cluster.move_clocks({"set": MONDAY_9.isoformat()})
    invited = await cluster.sim(first, "/invite", {"role": "convenor", "team": "Team Nord"})
    chat = RemoteChat(cluster, KARIN)
    await chat.send(f"/start {invited['code']}", expect="Welcome")
    invited = await cluster.sim(first, "/invite", {"role": "coordinator", "team": "Team Nord"})
    coordinator = RemoteChat(cluster, OLLE)
    await coordinator.send(f"/start {invited['code']}", expect="Welcome")
    await prepare_meeting(chat)
    await chat.tap("Meeting card")
    await chat.tap("Send information")
    assert "on its way: 3 messages." in await chat.texts()

    async def informed() -> bool:
        return {m["to"] for m in await cluster.sent_sms()} == {AMINA, ERIK, LENA}

    await until(informed, 20, "the information to the three")
    # Their answers reach three different replicas. Amina asks for help and has not said
    # yet whether she comes: two working days ahead, that is for the coordinator's digest.
    for proc, phone, text in zip(
        cluster.replicas, (AMINA, ERIK, LENA), ("hjälp", "Ja!", "Ja!"), strict=True
    ):
        assert await cluster.sms(proc, phone, text), f"no answer from {proc.name}"

    async def digested() -> list[OutboxMessage]:
        return await OutboxMessage.filter(kind="digest", status__in=("sent", "delivered"))

    # Every replica runs the digest job each minute: one digest goes out for the day.
    await until(digested, 90, "the coordinator's digest")

    # The day-before reminders fall due on the victim first: it claims them, and dies.
    reminders = await OutboxMessage.filter(kind="reminder", status=OutboxStatus.SCHEDULED)
    due = min(r.due_at for r in reminders)
    await cluster.move_clocks({"set": due.isoformat()}, order=[victim])
    mark = f":{victim.popen.pid}:"

    async def claimed_by_victim() -> list[int]:
        rows = await OutboxMessage.filter(status=OutboxStatus.SENDING)
        return [r.id for r in rows if mark in (r.claimed_by or "")]

    before = len(await cluster.sent_sms())
    held = await until(claimed_by_victim, 20, "the victim to claim the reminders")

    async def one_reminder_out() -> bool:
        return len(await cluster.sent_sms()) > before

    # Killed after its first reminder reached Twilio (1 SMS/s): the batch is unrecorded.
    await until(one_reminder_out, 20, "the victim's first reminder")
    cluster.kill(victim)
    killed_at = time.monotonic()
    # The others' clocks: the same moment, then past STALE_AFTER, as the victim's would be.
    await cluster.move_clocks({"set": due.isoformat()})
    real_failover = os.environ.get("FLERPART_E2E_REAL_FAILOVER") == "1"
    if not real_failover:
        await cluster.move_clocks({"advance_seconds": STALE_AFTER.total_seconds() + 60})

    async def taken_over() -> bool:
        rows = await OutboxMessage.filter(id__in=held)
        return all(r.status in (OutboxStatus.SENT, OutboxStatus.DELIVERED) for r in rows)

    wait = 120 + (STALE_AFTER.total_seconds() if real_failover else 0)
    await until(taken_over, wait, "another replica to send what the killed one held")
    failover = time.monotonic() - killed_at
    how = "real time" if real_failover else "clocks moved past STALE_AFTER at once"
    print(f"failover: {failover:.1f} s after SIGKILL ({how})")

    # After the meeting: the bot asks for notes once; the convenor closes it.
    end = datetime(2027, 3, 3, 11, 0, tzinfo=STOCKHOLM)
    await cluster.move_clocks({"set": (end + timedelta(minutes=75)).isoformat()})
    await chat.wait_for("has ended")
    await close_meeting(chat)

    async def summarised() -> bool:
        rows = await OutboxMessage.filter(kind="summary")
        return bool(rows) and all(r.status in ("sent", "delivered") for r in rows)

    await until(summarised, 30, "the summary to go out")

    # The survey comes; Amina's answers reach the live replicas in turn.
    survey = await OutboxMessage.get(kind="survey")
    await cluster.move_clocks({"set": survey.due_at.isoformat()})

    async def surveyed() -> bool:
        return (await OutboxMessage.get(id=survey.id)).status in ("sent", "delivered")

    await until(surveyed, 30, "the survey to go out")
    for n, answer in enumerate(("Ja", "4", "Ja", "3", "Bra att alla lyssnade.")):
        assert await cluster.sms(cluster.alive[n % 2], AMINA, answer)
    await _assert_outcome(cluster, chat)


async def _assert_outcome(cluster: Cluster, chat: RemoteChat) -> None:
    meeting = await Meeting.get()
    assert meeting.status is MeetingStatus.HELD and meeting.closed_at is not None
    assert [i.what for i in await ActionItem.filter(meeting=meeting)] == [
        "Book a visit to the workplace"
    ]
    assert await OutboxMessage.filter(kind="survey").count() == 1
    answers = {a.question: (a.value, a.text) for a in await SurveyAnswer.filter(meeting=meeting)}
    assert {k: v for k, v in answers.items() if k != "wish"} == {
        "knew_why": (1, None),
        "could_say": (4, None),
        "next_known": (1, None),
        "step": (3, None),  # where she feels she is now, on the ladder
        "other": (None, "Bra att alla lyssnade."),
    }
    asked = [m for m in await chat.bot_messages() if "has ended" in m["text"]]
    assert len(asked) == 1, f"the notes were asked for {len(asked)} times"

    # Every participant message due went out, each at most once beyond one batch.
    now = datetime.fromisoformat((await cluster.sim(cluster.alive[0], "/clock"))["now"])
    rows = [r for r in await sms_rows() if r.status not in ("cancelled", "expired")]
    due = [r for r in rows if r.due_at <= now]
    assert due and all(r.status in ("sent", "delivered") for r in due), [
        (r.kind, r.status, r.due_at) for r in rows
    ]
    # A row's text may differ between two sends (a fresh page key), so count by Twilio's
    # records: each due row's recorded send is one of them; any more are duplicates.
    sent = await cluster.sent_sms()
    by_sid = {m["sid"]: m for m in sent}
    for row in due:
        phone = (await row.person).phone
        record = by_sid.get(row.provider_message_id)
        assert record and record["to"] == phone, f"{row.kind} to {phone} never reached Twilio"
    extra = len(sent) - len(due)
    print(f"SMS: {len(due)} due, {len(sent)} reached Twilio, {extra} sent twice")
    assert extra <= BATCH, f"{extra} duplicate SMS, more than one batch"

    # Retention ran once per day of the clocks; the digest at most once per coordinator a day.
    runs = await DutyRun.filter(duty="retention").values_list("period", flat=True)
    assert len(runs) == len(set(runs)) and "2027-03-03" in runs
    keys = await OutboxMessage.filter(kind="digest").values_list("dedupe_key", flat=True)
    assert keys and len(keys) == len(set(keys))
    got = [m for m in await RemoteChat(cluster, OLLE).bot_messages() if "Good morning" in m["text"]]
    assert len(got) == len(keys), f"{len(got)} digests in the chat for {len(keys)} days"
