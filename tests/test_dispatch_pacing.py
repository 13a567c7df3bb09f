"""Under a backlog the dispatcher keeps each provider at >= 95% of its rate, never above."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process import FlerpartProcess
from flows.core.clock import clock
from storage.message_models import OutboxMessage
from storage.models import Channel, Person, StaffRole, StaffUser, Team
from tests.conftest import local_process

STHLM = ZoneInfo("Europe/Stockholm")
# Rates measured on the wall clock: not beside another worker's tests (scripts/test.sh).
pytestmark = pytest.mark.timing


def busiest_window(times: list[float], window: float = 1.0) -> int:
    """The most sends inside any window of `window` seconds (inclusive)."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, SMS_PER_SECOND="10") as running:
        yield running


async def staff_who_talked_to_the_bot(process: FlerpartProcess, chats: list[int]) -> None:
    team, _ = await Team.get_or_create(name="Pace")
    for chat in chats:
        await StaffUser.create(
            telegram_user_id=chat, display_name="K", role=StaffRole.CONVENOR, team=team
        )
        process.services.telegram_standin.user_has_started(chat)


async def backlog(channel: Channel, recipients: list[int | str], template: str) -> None:
    team, _ = await Team.get_or_create(name="Pace")
    rows = []
    for index, recipient in enumerate(recipients):
        if channel is Channel.SMS:
            person = await Person.create(team=team, first_name="Amina", phone=recipient)
            owner = {"person": person}
        else:
            owner = {"staff_user": await StaffUser.get(telegram_user_id=recipient)}
        due = clock.now() - timedelta(seconds=1)
        rows.append(
            OutboxMessage(
                channel=channel,
                kind="test",
                template=template,
                params={"text": f"Test {index}"},
                due_at=due,
                next_attempt_at=due,
                **owner,
            )
        )
    await OutboxMessage.bulk_create(rows)


async def test_sms_backlog_goes_at_the_configured_rate(process):
    # SMS to participants wait for daytime: make it tomorrow noon in Stockholm.
    tomorrow = clock.now().astimezone(STHLM).date() + timedelta(days=1)
    clock.set(datetime(tomorrow.year, tomorrow.month, tomorrow.day, 12, tzinfo=STHLM))
    phones = [f"+467017406{n:02d}" for n in range(5, 5 + 31)]
    await backlog(Channel.SMS, phones, "plain_text")
    process.services.dispatcher.wake()
    sent = await process.services.twilio_standin.wait_for_sent(31, timeout=10)
    times = [m["received_at"] for m in sent]
    achieved = (len(times) - 1) / (max(times) - min(times))
    assert busiest_window(times) <= 10 + 1  # a window's both ends may hold a send
    assert achieved >= 0.95 * 10, achieved
    assert achieved <= 10.5, achieved


async def test_telegram_backlog_goes_at_thirty_per_second_overall(process):
    telegram = process.services.telegram_standin
    chats = list(range(9000, 9061))
    await staff_who_talked_to_the_bot(process, chats)
    await backlog(Channel.TELEGRAM, chats, "plain_text")
    process.services.dispatcher.wake()
    for chat in chats:
        await telegram.wait_for_bot_messages(chat, 1, timeout=10)
    times = [t for _, t in telegram.sent_at]
    assert len(times) == 61
    achieved = (len(times) - 1) / (max(times) - min(times))
    assert achieved >= 0.95 * 30, achieved
    assert busiest_window(times) <= 31


async def test_one_telegram_chat_gets_at_most_one_message_a_second(process):
    telegram = process.services.telegram_standin
    await staff_who_talked_to_the_bot(process, [9100])
    await backlog(Channel.TELEGRAM, [9100] * 4, "plain_text")
    process.services.dispatcher.wake()
    await telegram.wait_for_bot_messages(9100, 4, timeout=10)
    times = [t for _, t in telegram.sent_at]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.98, gaps
