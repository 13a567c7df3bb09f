"""Inbound SMS are stored before the webhook answers (concurrent requests in one
commit) and handled after it, from the stored rows, exactly once: a repeated
MessageSid, a burst, a SIGKILL between storing and handling."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from twilio.request_validator import RequestValidator

from flows.core.clock import clock
from flows.participants.inbound import IncomingSms, Stored, process_next, store_sms
from storage.db import apply_migrations, tortoise_config
from storage.group_commit import GroupCommit
from storage.message_models import InboundMessage, OutboxMessage, SurveyAnswer
from storage.models import Attendee, AttendeeResponse
from tests.conftest import local_process, run_in_thread
from tests.factories import convenor, meeting_with_attendees
from tests.inbound_crash_worker import MESSAGES, PHONES
from tests.test_dispatch_processes import _finish, _wait_for_line
from tests.test_route_fuzz import _signed_sms, production_app  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
AMINA = "+46701740605"


def _next_week() -> datetime:
    return clock.now().replace(microsecond=0) + timedelta(days=7)


async def _handle_all() -> int:
    handled = 0
    while await process_next():
        handled += 1
    return handled


async def test_concurrent_submissions_are_written_in_one_commit():
    batches: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)  # the commit
        return [item * 10 for item in items]

    commit: GroupCommit[int, int] = GroupCommit(write)
    assert await asyncio.gather(*(commit.submit(n) for n in range(10))) == [
        n * 10 for n in range(10)
    ]
    assert batches == [list(range(10))]
    # At low load a batch is one item: written at once, not after a wait.
    assert await commit.submit(7) == 70
    assert batches[-1] == [7]


async def test_a_failed_commit_fails_its_own_batch_only():
    async def write(items: list[int]) -> list[int]:
        if 0 in items:
            raise RuntimeError("disk full")
        return items

    commit: GroupCommit[int, int] = GroupCommit(write)
    with pytest.raises(RuntimeError):
        await commit.submit(0)
    assert await commit.submit(1) == 1


async def test_a_repeated_message_sid_in_one_batch_or_a_later_one_is_stored_and_handled_once(db):
    await meeting_with_attendees(_next_week(), await convenor())
    first = IncomingSms("SMtwice", AMINA, "ja")
    unknown = IncomingSms("SMother", "+46709999999", "hej")
    assert await store_sms([first, first, unknown]) == [
        Stored.KNOWN,
        Stored.DUPLICATE,
        Stored.UNKNOWN,
    ]
    # A later batch: its repeat is refused, its new message stored all the same.
    later = IncomingSms("SMlater", AMINA, "Jag kommer sent")
    assert await store_sms([first, later]) == [Stored.DUPLICATE, Stored.KNOWN]
    assert await _handle_all() == 2  # the unknown sender has nothing to handle
    assert await InboundMessage.filter(provider_message_id="SMtwice").count() == 1
    assert await OutboxMessage.filter(kind="receipt").count() == 2
    assert await InboundMessage.filter(processed_at=None).count() == 0
    stranger = await InboundMessage.get(provider_message_id="SMother")
    assert (stranger.body, stranger.sender_masked) == ("", "+46 70 *** ** 99")


async def test_one_persons_messages_are_handled_in_the_order_they_came(db):
    await meeting_with_attendees(_next_week(), await convenor())
    await store_sms([IncomingSms("SM1", AMINA, "nej"), IncomingSms("SM2", AMINA, "ja")])
    await _handle_all()
    assert (await Attendee.get(person__phone=AMINA)).response is AttendeeResponse.CONFIRMED
    handled = (
        await InboundMessage.all()
        .order_by("processed_at", "id")
        .values_list("provider_message_id", "handled_as")
    )
    assert handled == [("SM1", "response"), ("SM2", "response")]
    receipts = await OutboxMessage.filter(kind="receipt").order_by("id")
    assert "ny tid" in receipts[0].params["text"]
    assert receipts[1].params["text"].startswith("Tack! Vi ses")


async def test_a_repeated_message_sid_arriving_concurrently_is_handled_once(tmp_path, database_env):
    async with local_process(tmp_path, **database_env) as process:
        staff = await convenor()
        await meeting_with_attendees(_next_week(), staff)
        twilio = process.services.twilio_standin
        answers = await asyncio.gather(
            *(twilio.send_inbound(AMINA, "ja", message_sid="SMsame") for _ in range(3))
        )
        assert [status for status, _ in answers] == [200, 200, 200]
        await process.services.inbound.settled()
        assert await InboundMessage.filter(provider_message_id="SMsame").count() == 1
        assert await OutboxMessage.filter(kind="receipt").count() == 1
        [reply] = [e for e in twilio.transcript(AMINA) if e["direction"] == "out"] or [
            await twilio.wait_for_reply(AMINA, 0)
        ]
        assert reply["text"].startswith("Tack! Vi ses")


async def test_a_burst_of_50_yes_from_50_participants_is_all_stored_and_handled(
    tmp_path, database_env
):
    phones = tuple(f"+467017{n:05d}" for n in range(50))
    async with local_process(tmp_path, **database_env) as process:
        meeting = await meeting_with_attendees(_next_week(), await convenor(), phones=phones)
        twilio = process.services.twilio_standin
        answers = await asyncio.gather(*(twilio.send_inbound(phone, "ja") for phone in phones))
        assert {status for status, _ in answers} == {200}
        # Stored together: fewer commits than requests.
        assert process.services.inbound.intake.batches < 50
        await process.services.inbound.settled(timeout=60)
        responses = await Attendee.filter(meeting=meeting).values_list("response", flat=True)
        assert responses == [AttendeeResponse.CONFIRMED] * 50
        assert await InboundMessage.filter(processed_at=None).count() == 0
        assert await InboundMessage.filter(handled_as="response").count() == 50
        assert await OutboxMessage.filter(kind="receipt").count() == 50


async def test_a_good_signature_costs_one_hmac_and_a_stranger_is_answered_at_once(
    production_app,  # noqa: F811
    monkeypatch,
):
    computed: list[str] = []
    original = RequestValidator.compute_signature

    def counting(self, uri, params, algorithm=None):
        computed.append(uri)
        return original(self, uri, params, algorithm)

    form = {"MessageSid": "SMhmac", "From": "+46709999999", "Body": "hej"}
    signed = _signed_sms(form)  # computed before counting starts
    monkeypatch.setattr(RequestValidator, "compute_signature", counting)
    async with production_app.post("/twilio/sms", **signed) as response:
        assert response.status == 200
        assert "Vi känner inte igen numret" in await response.text()
    assert len(computed) == 1
    # A wrong signature: both forms of the URL are tried, then refused.
    signed["headers"]["X-Twilio-Signature"] = "wrong"
    async with production_app.post("/twilio/sms", **signed) as response:
        assert response.status == 403
    assert len(computed) == 3


async def _seed(url: str) -> None:
    from tortoise.contrib.test import TortoiseContext

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
        await meeting_with_attendees(starts, await convenor(), phones=PHONES)


async def _state(url: str) -> dict:
    from tortoise.contrib.test import TortoiseContext

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        return {
            "stored": await InboundMessage.all().count(),
            "handled": await InboundMessage.exclude(processed_at=None).count(),
            "receipts": await OutboxMessage.filter(kind="receipt").values_list(
                "dedupe_key", flat=True
            ),
            "alerts": await OutboxMessage.filter(template="forwarded_reply").count(),
            "confirmed": await Attendee.filter(response=AttendeeResponse.CONFIRMED).count(),
            "wishes_asked": await SurveyAnswer.all().count(),
            "handled_as": await InboundMessage.all()
            .order_by("id")
            .values_list("handled_as", flat=True),
        }


def _run(url: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.inbound_crash_worker", url, mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_between_storing_and_handling_then_restart_handles_each_message_once(tmp_path):
    url = f"sqlite://{tmp_path}/flerpart.sqlite3"
    run_in_thread(apply_migrations(url))
    run_in_thread(_seed(url))
    crashing = _run(url, "crash")
    assert _wait_for_line(crashing) == "stored"
    assert _wait_for_line(crashing) == "handling"  # the first message's effects, uncommitted
    crashing.send_signal(signal.SIGKILL)
    assert _finish(crashing, 10)[0] == -signal.SIGKILL
    before = run_in_thread(_state(url))
    assert (before["stored"], before["handled"], before["receipts"]) == (len(MESSAGES), 0, [])

    restarted = _run(url, "recover")
    assert _wait_for_line(restarted) == "drained"
    code, _, err = _finish(restarted, 30)
    assert code == 0, err
    after = run_in_thread(_state(url))
    assert after["handled"] == len(MESSAGES)
    assert sorted(after["receipts"]) == sorted(f"receipt:{n}" for n in range(1, 5))
    assert after["confirmed"] == len(PHONES)
    assert after["alerts"] == 1  # the note for the convenor, once
    assert after["wishes_asked"] == 1  # the person in focus was asked once
    assert after["handled_as"] == ["response", "response", "response", "forwarded"]


async def test_an_sqlite_without_returning_still_tells_repeats_apart(db, monkeypatch):
    """SQLite before 3.35 has no RETURNING: repeats are looked up first instead."""
    import storage.inbound

    monkeypatch.setattr(storage.inbound, "sqlite3", SimpleNamespace(sqlite_version_info=(3, 31)))
    await meeting_with_attendees(_next_week(), await convenor())
    first = IncomingSms("SMold1", AMINA, "ja")
    assert await store_sms([first, first]) == [Stored.KNOWN, Stored.DUPLICATE]
    assert await store_sms([first, IncomingSms("SMold2", AMINA, "ok")]) == [
        Stored.DUPLICATE,
        Stored.KNOWN,
    ]
    assert await InboundMessage.all().count() == 2


async def test_a_message_that_cannot_be_handled_is_set_aside_and_the_next_ones_go_on(
    db, monkeypatch
):
    import flows.participants.inbound

    await meeting_with_attendees(_next_week(), await convenor())
    handle_reply = flows.participants.inbound.handle_reply

    async def breaks_on_poison(person, text, via, now):
        if text == "poison":
            await OutboxMessage.filter().update(kind="half-done")  # rolled back with it
            raise ValueError("a bug in the reply logic")
        return await handle_reply(person, text, via, now)

    monkeypatch.setattr(flows.participants.inbound, "handle_reply", breaks_on_poison)
    await store_sms([IncomingSms("SMbad", AMINA, "poison"), IncomingSms("SMok", AMINA, "ja")])
    assert await _handle_all() == 2
    handled = dict(await InboundMessage.all().values_list("provider_message_id", "handled_as"))
    assert handled == {"SMbad": "failed", "SMok": "response"}
    assert await OutboxMessage.filter(kind="receipt").count() == 1
    assert not await OutboxMessage.filter(kind="half-done").exists()


async def test_a_telegram_reply_left_unmarked_is_never_answered_by_sms(db):
    """A Telegram reply is handled where it arrives; one an older version left without
    its mark (a rolling upgrade) must not be taken by the SMS queue and answered by SMS."""
    await meeting_with_attendees(_next_week(), await convenor())
    person_id = (await Attendee.filter(person__phone=AMINA).first()).person_id
    await InboundMessage.create(
        channel="telegram", provider_message_id="tg:1:1", person_id=person_id, body="ja"
    )
    assert await _handle_all() == 0
    assert not await OutboxMessage.filter(kind="receipt").exists()
