"""What a due outbox row turns into at dispatch time, and what its failure means.

What goes into the outbox, and when, is `flows.outbox.campaign`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from flows.core.i18n import _, use_locale
from flows.outbox import team_settings
from flows.outbox.delivery import OPTED_OUT_ERROR, honour_provider_opt_out
from flows.participants import templates
from storage import outbox
from storage.message_models import OutboxMessage
from storage.models import (
    CALLED_OFF,
    UPCOMING,
    ActionItem,
    ActionStatus,
    Attendee,
    AttendeeResponse,
    Channel,
    Meeting,
    MessageKind,
    OutboxStatus,
    Person,
)
from storage.outbox import RowButton

_STALE_WHEN_CLOSED = (MessageKind.REMINDER, MessageKind.INFO, MessageKind.CHANGE)
# Staff news about a message: its own failure is no news for the convenor.
_NO_FAILURE_ALERT = (MessageKind.ALERT, MessageKind.NOTES_REQUEST, MessageKind.DIGEST)


@dataclass(frozen=True)
class Composed:
    address: str
    text: str
    # Rows of buttons with their labels in the recipient's language (Telegram only).
    buttons: list[list[RowButton]] = field(default_factory=list)


@dataclass(frozen=True)
class Skip:
    status: OutboxStatus  # cancelled or expired
    reason: str


@dataclass(frozen=True)
class Defer:
    until: datetime
    reason: str


async def _declined(message: OutboxMessage) -> bool:
    """A no that arrived after this reminder was claimed (cancel_reminders missed it)."""
    return await Attendee.exists(
        meeting_id=message.meeting_id,
        person_id=message.person_id,
        response=AttendeeResponse.DECLINED,
    )


async def compose(message: OutboxMessage, now: datetime) -> Composed | Skip | Defer:
    """Decides, at the last moment, whether and what to send."""
    meeting = await message.meeting if message.meeting_id else None
    stale_kind = message.kind in _STALE_WHEN_CLOSED
    if meeting is not None and meeting.status in CALLED_OFF and stale_kind:
        return Skip(OutboxStatus.CANCELLED, f"meeting {meeting.status.value}")
    if message.kind == MessageKind.NOTES_REQUEST and not _awaits_notes(meeting):
        return Skip(OutboxStatus.CANCELLED, "the notes were written, or the meeting moved")
    if message.kind == MessageKind.FOLLOW_UP and await _duty_done(message):
        return Skip(OutboxStatus.CANCELLED, "already done")
    if message.expires_at is not None and now >= message.expires_at:
        return Skip(OutboxStatus.EXPIRED, "its moment passed")
    address: str | None
    if message.person_id is not None:
        person = await message.person
        # A receipt answers the person's own message at once, as a TwiML reply did:
        # the confirmation of a STOP too, and in quiet hours too.
        if message.kind == MessageKind.RECEIPT and message.channel is Channel.SMS and person.phone:
            return Composed(person.phone, await templates.render(message, meeting))
        if person.opted_out:
            return Skip(OutboxStatus.CANCELLED, "the person opted out")
        if message.kind == MessageKind.REMINDER and await _declined(message):
            return Skip(OutboxStatus.CANCELLED, "the person said no")
        if message.channel is Channel.SMS:
            address = person.phone
            # One number is one person: a STOP from it holds for every row that has it,
            # also a row made later (the same person at a new meeting).
            if address and await Person.exists(phone=address, opted_out_at__isnull=False):
                return Skip(OutboxStatus.CANCELLED, "the number opted out")
            allowed = await _quiet_hours_end(now, meeting, person)
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
    return Composed(address, text, _buttons(message))


def _buttons(message: OutboxMessage) -> list[list[RowButton]]:
    """The row's buttons, their labels in the recipient's language."""
    with use_locale(message.locale):
        return [
            [replace(button, label=_(button.label)) for button in row]
            for row in outbox.read_buttons(message.buttons)
        ]


def _awaits_notes(meeting: Meeting | None) -> bool:
    """The request for notes still has a point: the meeting is neither closed nor moved
    after it was asked (a move clears `after_asked_at`; the new end asks again)."""
    return (
        meeting is not None
        and meeting.status in UPCOMING
        and meeting.closed_at is None
        and meeting.after_asked_at is not None
    )


async def _quiet_hours_end(now: datetime, meeting: Meeting | None, person: Person) -> datetime:
    """`now`, or when the team's quiet hours end, in the meeting's time zone (the
    team's for a message without a meeting)."""
    if meeting is not None:
        rules = await team_settings.for_meeting(meeting)
        return rules.quiet_hours.next_allowed(now, ZoneInfo(meeting.timezone))
    rules = await team_settings.for_team(person.team_id)
    return rules.quiet_hours.next_allowed(now, rules.tz)


async def _duty_done(message: OutboxMessage) -> bool:
    meeting = await message.meeting
    if message.template.startswith("followup_feedback"):
        return meeting.feedback_given_at is not None
    item = await ActionItem.get_or_none(id=message.params.get("action_item_id"))
    return item is None or item.status is not ActionStatus.OPEN


async def notify_convenor_of_failure(message: OutboxMessage, reason: str, now: datetime) -> None:
    """A failed message is news for the meeting's convenor, at once, by Telegram."""
    if message.meeting_id is None or message.kind in _NO_FAILURE_ALERT:
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
            "kind": MessageKind.ALERT,
            "template": "alert_failed",
            "params": {"failed_id": message.id, "reason": reason[:200]},
            "locale": convenor.language,
            "due_at": now,
            "next_attempt_at": now,
        },
    )


async def fail(message: OutboxMessage, reason: str, code: str | None, now: datetime) -> bool:
    """The row failed for good, and what that tells us about the person, in one
    transaction: nobody sees the failure without its consequence (a reader once did).
    True when this call made the change."""
    async with in_transaction():
        if not await outbox.mark_final(message.id, OutboxStatus.FAILED, reason, code):
            return False
        await _record_permanent_error(message, code, now)
    return True


async def _record_permanent_error(message: OutboxMessage, code: str | None, now: datetime) -> None:
    """What a permanent error tells us about the person, recorded at once."""
    if message.person_id is None:
        return
    if code == OPTED_OUT_ERROR:  # they replied STOP to Twilio: no contact at all
        await honour_provider_opt_out(message.person_id, now)
    elif code == "blocked":  # the bot is blocked: Telegram is no way to reach them
        await Person.filter(id=message.person_id).update(telegram_unreachable_at=now)


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """30 s, 2 min, 8 min...; never sooner than the provider asked."""
    base = timedelta(seconds=30 * 4 ** max(attempts - 1, 0))
    if retry_after is not None:
        return max(base, timedelta(seconds=retry_after))
    return base
