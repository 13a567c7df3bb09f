"""Outbox transitions: claims, compare-and-set, stale rows, next due."""

from datetime import UTC, datetime, timedelta

from storage import outbox
from storage.message_models import OutboxMessage
from storage.models import Channel, OutboxStatus, StaffRole, StaffUser, Team

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def make_rows(count: int, due: datetime = NOW, channel: Channel = Channel.TELEGRAM) -> None:
    team = await Team.create(name=f"T{count}{channel.value}")
    staff = await StaffUser.create(
        telegram_user_id=1000 + count, display_name="S", role=StaffRole.CONVENOR, team=team
    )
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                staff_user=staff,
                channel=channel,
                kind="test",
                template="t",
                due_at=due + timedelta(seconds=i),
                next_attempt_at=due + timedelta(seconds=i),
            )
            for i in range(count)
        ]
    )


async def test_claim_takes_due_rows_in_order_once(db):
    await make_rows(5)
    first = await outbox.claim_due(NOW + timedelta(seconds=2), "a", limit=10)
    assert [m.attempts for m in first] == [1, 1, 1]
    assert all(m.status is OutboxStatus.SENDING and m.claimed_by == "a" for m in first)
    again = await outbox.claim_due(NOW + timedelta(seconds=2), "b", limit=10)
    assert again == []
    rest = await outbox.claim_due(NOW + timedelta(hours=1), "b", limit=1)
    assert len(rest) == 1 and rest[0].id == first[-1].id + 1


async def test_claim_can_be_limited_to_one_channel(db):
    await make_rows(2, channel=Channel.SMS)
    await make_rows(3, channel=Channel.TELEGRAM)
    claimed = await outbox.claim_due(NOW + timedelta(hours=1), "a", 10, Channel.SMS)
    assert {m.channel for m in claimed} == {Channel.SMS} and len(claimed) == 2


async def test_sent_after_a_delivery_report_keeps_delivered(db):
    await make_rows(1)
    [row] = await outbox.claim_due(NOW, "a", 1)
    await OutboxMessage.filter(id=row.id).update(status=OutboxStatus.DELIVERED)
    await outbox.record_sent([outbox.SentRecord(row, "SM1", "text", 1)], NOW)
    stored = await OutboxMessage.get(id=row.id)
    assert (stored.status, stored.provider_message_id, stored.body) == (
        OutboxStatus.DELIVERED,
        "SM1",
        "text",
    )


async def test_retry_and_final_only_move_rows_that_are_sending(db):
    await make_rows(1)
    [row] = await outbox.claim_due(NOW, "a", 1)
    await outbox.mark_retry(row.id, NOW + timedelta(minutes=1), "HTTP 500")
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SCHEDULED and stored.last_error == "HTTP 500"
    assert not await outbox.mark_final(row.id, OutboxStatus.FAILED, "late")
    assert await outbox.next_due_at() == NOW + timedelta(minutes=1)


async def test_stale_sending_rows_are_released_with_their_attempt_given_back(db):
    await make_rows(2)
    claimed = await outbox.claim_due(NOW + timedelta(seconds=1), "dead", 2)
    await OutboxMessage.filter(id=claimed[1].id).update(attempts=outbox.MAX_ATTEMPTS)
    assert await outbox.release_stale(NOW + timedelta(seconds=10), timedelta(minutes=2)) == 0
    assert await outbox.release_stale(NOW + timedelta(minutes=5), timedelta(minutes=2)) == 2
    rows = await OutboxMessage.all().order_by("id")
    assert [r.status for r in rows] == [OutboxStatus.SCHEDULED] * 2
    assert [r.attempts for r in rows] == [0, outbox.MAX_ATTEMPTS - 1]
    assert rows[0].next_attempt_at == NOW  # keeps its place at the front


async def test_a_renewed_claim_is_never_released_as_stale_and_an_orphan_is(db):
    """Replicas on one database: the claims of a live dispatcher (renewed by its
    heartbeat) stay its own however long its send takes; a dead one's go back."""
    await make_rows(2)
    live = await outbox.claim_due(NOW, "live", limit=1)
    dead = await outbox.claim_due(NOW + timedelta(seconds=1), "dead", limit=1)
    later = NOW + timedelta(minutes=5)
    await outbox.renew_claims("live", later)
    released = await outbox.release_stale(later, timedelta(minutes=2), alive="third")
    assert released == 1
    rows = {row.id: row for row in await OutboxMessage.all()}
    assert rows[live[0].id].status is OutboxStatus.SENDING
    assert rows[live[0].id].claimed_by == "live"
    assert rows[dead[0].id].status is OutboxStatus.SCHEDULED
