"""What goes into the outbox, and what a due row turns into at dispatch time.

Scheduling is idempotent: each planned message has a `dedupe_key` that names
its meeting, recipient, event and the meeting time it was computed from.
Recomputing after an edit creates the rows whose key is new and cancels the
pending ones whose key is gone, in one transaction: nothing stale or doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from flows import templates
from flows.schedule import DEFAULT_REMINDERS, CampaignEvent, QuietHours
from storage.models import (
    Attendee,
    AttendeeRole,
    Channel,
    Meeting,
    MeetingStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
)

QUIET_HOURS = QuietHours()
_CLOSED = (MeetingStatus.CANCELLED, MeetingStatus.MOVED)


@dataclass(frozen=True)
class Planned:
    """One message the meeting needs, before it is a row."""

    dedupe_key: str
    kind: str
    template: str
    due_at: datetime
    expires_at: datetime | None
    channel: Channel
    person_id: int | None
    staff_user_id: int | None
    locale: str


def _recipient(attendee: Attendee) -> tuple[Channel, int | None, int | None, str] | None:
    """(channel, person id, staff id, locale), or None when we cannot reach them."""
    if attendee.staff_user_id is not None:
        staff = attendee.staff_user
        return Channel.TELEGRAM, None, staff.id, staff.language
    person: Person | None = attendee.person
    if person is None or person.opted_out or person.anonymised_at:
        return None
    if (
        person.preferred_channel is Channel.TELEGRAM
        and person.telegram_chat_id
        and not person.telegram_unreachable_at
    ):
        return Channel.TELEGRAM, person.id, None, person.language
    if person.phone:
        return Channel.SMS, person.id, None, person.language
    return None


def plan_reminders(
    meeting: Meeting, attendees: list[Attendee], events: tuple[CampaignEvent, ...]
) -> list[Planned]:
    if meeting.starts_at is None or meeting.ends_at is None or meeting.status in _CLOSED:
        return []
    tz = ZoneInfo(meeting.timezone)
    stamp = int(meeting.starts_at.timestamp())
    planned = []
    for attendee in attendees:
        recipient = _recipient(attendee)
        if recipient is None:
            continue
        channel, person_id, staff_id, locale = recipient
        participant = attendee.role is not AttendeeRole.AGENCY_STAFF
        for event in events:
            due = event.due(meeting.starts_at, meeting.ends_at, tz)
            if channel is Channel.SMS:
                due = QUIET_HOURS.next_allowed(due, tz)
            planned.append(
                Planned(
                    dedupe_key=f"{event.key}:m{meeting.id}:a{attendee.id}:{stamp}",
                    kind="reminder",
                    template="reminder_participant" if participant else "reminder_staff",
                    due_at=due,
                    # Never after the meeting started.
                    expires_at=meeting.starts_at,
                    channel=channel,
                    person_id=person_id,
                    staff_user_id=staff_id,
                    locale=locale,
                )
            )
    return planned


async def schedule_reminders(
    meeting: Meeting, events: tuple[CampaignEvent, ...] = DEFAULT_REMINDERS
) -> tuple[int, int]:
    """(created, cancelled). Safe to call after every edit."""
    attendees = await Attendee.filter(meeting=meeting).prefetch_related("person", "staff_user")
    planned = {p.dedupe_key: p for p in plan_reminders(meeting, attendees, events)}
    async with in_transaction():
        pending = await OutboxMessage.filter(
            meeting=meeting, kind="reminder", status=OutboxStatus.SCHEDULED
        ).values_list("id", "dedupe_key")
        stale = [row_id for row_id, key in pending if key not in planned]
        cancelled = 0
        if stale:
            cancelled = await OutboxMessage.filter(
                id__in=stale, status=OutboxStatus.SCHEDULED
            ).update(status=OutboxStatus.CANCELLED)
        existing = set(
            await OutboxMessage.filter(dedupe_key__in=list(planned)).values_list(
                "dedupe_key", flat=True
            )
        )
        new = [
            OutboxMessage(
                meeting=meeting,
                person_id=p.person_id,
                staff_user_id=p.staff_user_id,
                channel=p.channel,
                kind=p.kind,
                template=p.template,
                locale=p.locale,
                due_at=p.due_at,
                next_attempt_at=p.due_at,
                expires_at=p.expires_at,
                dedupe_key=p.dedupe_key,
            )
            for key, p in planned.items()
            if key not in existing
        ]
        if new:
            await OutboxMessage.bulk_create(new)
    return len(new), cancelled


@dataclass(frozen=True)
class Composed:
    address: str
    text: str


@dataclass(frozen=True)
class Skip:
    status: OutboxStatus  # cancelled or expired
    reason: str


@dataclass(frozen=True)
class Defer:
    until: datetime
    reason: str


async def compose(message: OutboxMessage, now: datetime) -> Composed | Skip | Defer:
    """Decides, at the last moment, whether and what to send."""
    meeting = await message.meeting if message.meeting_id else None
    if meeting is not None and meeting.status in _CLOSED and message.kind == "reminder":
        return Skip(OutboxStatus.CANCELLED, f"meeting {meeting.status.value}")
    if message.expires_at is not None and now >= message.expires_at:
        return Skip(OutboxStatus.EXPIRED, "its moment passed")
    address: str | None
    if message.person_id is not None:
        person = await message.person
        if person.opted_out:
            return Skip(OutboxStatus.CANCELLED, "the person opted out")
        if message.channel is Channel.SMS:
            address = person.phone
            tz = ZoneInfo(meeting.timezone if meeting else "Europe/Stockholm")
            allowed = QUIET_HOURS.next_allowed(now, tz)
            if allowed > now:
                if message.expires_at is not None and allowed >= message.expires_at:
                    return Skip(OutboxStatus.EXPIRED, "quiet hours until the meeting")
                return Defer(allowed, "quiet hours")
        else:
            address = str(person.telegram_chat_id) if person.telegram_chat_id else None
    elif message.staff_user_id is not None:
        staff = await message.staff_user
        address = str(staff.telegram_user_id) if staff.active else None
    else:
        address = None
    if not address:
        return Skip(OutboxStatus.CANCELLED, "no way to reach the recipient")
    text = await templates.render(message, meeting)
    return Composed(address, text)


async def notify_convenor_of_failure(message: OutboxMessage, reason: str, now: datetime) -> None:
    """A failed message is news for the meeting's convenor, at once, by Telegram."""
    if message.meeting_id is None or message.kind == "alert":
        return
    meeting = await message.meeting
    if meeting.convenor_id is None:
        return
    convenor = await meeting.convenor
    await OutboxMessage.get_or_create(
        dedupe_key=f"alert:failed:{message.id}",
        defaults={
            "meeting": meeting,
            "staff_user_id": convenor.id,
            "channel": Channel.TELEGRAM,
            "kind": "alert",
            "template": "alert_failed",
            "params": {"failed_id": message.id, "reason": reason[:200]},
            "locale": convenor.language,
            "due_at": now,
            "next_attempt_at": now,
        },
    )


async def record_permanent_error(message: OutboxMessage, code: str | None, now: datetime) -> None:
    """What a permanent error tells us about the person, recorded at once."""
    if message.person_id is None:
        return
    if code == "21610":  # they replied STOP to our number: no contact at all
        await Person.filter(id=message.person_id, opted_out_at=None).update(opted_out_at=now)
        await OutboxMessage.filter(
            person_id=message.person_id, status=OutboxStatus.SCHEDULED
        ).update(status=OutboxStatus.CANCELLED)
    elif code == "blocked":  # the bot is blocked: Telegram is no way to reach them
        await Person.filter(id=message.person_id).update(telegram_unreachable_at=now)


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """30 s, 2 min, 8 min...; never sooner than the provider asked."""
    base = timedelta(seconds=30 * 4 ** max(attempts - 1, 0))
    if retry_after is not None:
        return max(base, timedelta(seconds=retry_after))
    return base
