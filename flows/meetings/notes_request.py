"""The bot asks the convenor for the notes by itself, soon after the planned end.

The request is an outbox row with its button (📝 After the meeting), made in the same
transaction that marks the meeting asked: it leaves through the dispatcher, is retried
like any other message and, when it cannot go out at all, fails where it can be seen.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from flows.core.i18n import N_
from flows.meetings.meeting_close import ask_after_due
from storage.message_models import OutboxMessage
from storage.models import UPCOMING, Channel, Meeting, MessageKind
from storage.outbox import RowButton, buttons_data

TEMPLATE = "notes_request"
AFTER_BUTTON = N_("📝 After the meeting")


async def meetings_awaiting_notes(now: datetime) -> list[Meeting]:
    """Meetings whose planned end has passed and whose convenor was not asked yet."""
    candidates = await Meeting.filter(
        status__in=UPCOMING,
        ends_at__lte=now,
        after_asked_at=None,
        info_sent_at__isnull=False,
        convenor_id__isnull=False,
    ).prefetch_related("convenor")
    return [m for m in candidates if ask_after_due(m, now)]


async def queue_notes_request(meeting: Meeting, now: datetime) -> bool:
    """The request, once: two runs at the same moment (the minute job and the simulator's
    clock) race for the meeting, and only the one that marks it queues the row. Marking
    and queueing are one transaction, so a meeting is never marked without its request.
    True when this call queued it."""
    staff = await meeting.convenor
    async with in_transaction() as conn:
        marked = (
            await Meeting.filter(id=meeting.id, after_asked_at=None)
            .using_db(conn)
            .update(after_asked_at=now)
        )
        if not marked:
            return False
        # The end in the key: a meeting moved after it was asked is asked again.
        end = int(meeting.ends_at.timestamp()) if meeting.ends_at else 0
        _row, created = await OutboxMessage.get_or_create(
            dedupe_key=f"{MessageKind.NOTES_REQUEST}:m{meeting.id}:{end}",
            defaults={
                "meeting_id": meeting.id,
                "staff_user_id": staff.id,
                "channel": Channel.TELEGRAM,
                "kind": MessageKind.NOTES_REQUEST,
                "template": TEMPLATE,
                "params": {},
                "buttons": buttons_data([[RowButton(AFTER_BUTTON, "after", meeting.id)]]),
                "locale": staff.language,
                "due_at": now,
                "next_attempt_at": now,
            },
            using_db=conn,
        )
    return created


async def queue_notes_requests(now: datetime) -> int:
    """Queues the request for every meeting that has ended unasked; returns how many."""
    queued = 0
    for meeting in await meetings_awaiting_notes(now):
        queued += int(await queue_notes_request(meeting, now))
    return queued
