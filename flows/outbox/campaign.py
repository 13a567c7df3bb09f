"""What a meeting puts in the outbox, and when: reminders, the survey, follow-up duties.

Scheduling is idempotent. Each planned message has a `dedupe_key` naming its
meeting, recipient, event and the date it was computed from. Recomputing
after an edit creates the rows whose key is new and cancels the pending rows
(of the same kinds) whose key is gone, in one transaction: nothing stale or
doubled remains. Call the `schedule_*` functions after every change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from flows.core.clock import clock
from flows.outbox import team_settings
from flows.outbox.schedule import QUIET_HOURS, SURVEY, CampaignEvent, QuietHours, at_local
from storage.message_models import OutboxMessage
from storage.models import (
    CALLED_OFF,
    ActionItem,
    ActionStatus,
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    ConsentKind,
    Meeting,
    MeetingStatus,
    MessageKind,
    OutboxStatus,
    Person,
)

FOLLOW_UP_HOUR = time(9, 0)  # duties are reminded at the start of the working day


@dataclass(frozen=True)
class Recipient:
    channel: Channel
    person_id: int | None
    staff_user_id: int | None
    locale: str


@dataclass(frozen=True)
class Planned:
    """One message the meeting needs, before it is a row."""

    dedupe_key: str
    kind: MessageKind
    template: str
    due_at: datetime
    expires_at: datetime | None
    to: Recipient
    params: dict | None = None


def _recipient(attendee: Attendee) -> Recipient | None:
    """How to reach this attendee, or None when we cannot (or may not)."""
    if attendee.staff_user_id is not None:
        staff = attendee.staff_user
        return Recipient(Channel.TELEGRAM, None, staff.id, staff.language)
    person: Person | None = attendee.person
    if person is None or person.opted_out or person.anonymised_at:
        return None
    if (
        person.preferred_channel is Channel.TELEGRAM
        and person.telegram_chat_id
        and not person.telegram_unreachable_at
        and _consented(person, ConsentKind.CONTACT_TELEGRAM)
    ):
        return Recipient(Channel.TELEGRAM, person.id, None, person.language)
    if person.phone and _consented(person, ConsentKind.CONTACT_SMS):
        return Recipient(Channel.SMS, person.id, None, person.language)
    return None


def _consented(person: Person, kind: ConsentKind) -> bool:
    """A recorded, not withdrawn consent to this kind of contact (domain.md, data care)."""
    return any(c.kind is kind and c.withdrawn_at is None for c in person.consents)


def reachable(attendees: list[Attendee]) -> Iterator[tuple[Attendee, Recipient]]:
    for attendee in attendees:
        recipient = _recipient(attendee)
        if recipient is not None:
            yield attendee, recipient


def plan_reminders(
    meeting: Meeting,
    attendees: list[Attendee],
    events: tuple[CampaignEvent, ...],
    now: datetime | None = None,
    quiet: QuietHours = QUIET_HOURS,
) -> list[Planned]:
    """A reminder whose moment passed before it was planned (a meeting set for tomorrow
    has no "2 days before") is left out: sent now it would only repeat the information."""
    if meeting.starts_at is None or meeting.ends_at is None or meeting.status in CALLED_OFF:
        return []
    tz = ZoneInfo(meeting.timezone)
    stamp = int(meeting.starts_at.timestamp())
    planned = []
    for attendee, to in reachable(attendees):
        if attendee.response is AttendeeResponse.DECLINED:
            continue  # said they cannot come: no reminders (see cancel_reminders)
        participant = attendee.role is not AttendeeRole.AGENCY_STAFF
        for event in events:
            due = event.due(meeting.starts_at, meeting.ends_at, tz)
            if to.channel is Channel.SMS:
                due = quiet.next_allowed(due, tz)
            if now is not None and due <= now:
                continue
            planned.append(
                Planned(
                    dedupe_key=f"{event.key}:m{meeting.id}:a{attendee.id}:{stamp}",
                    kind=MessageKind.REMINDER,
                    template="reminder_participant" if participant else "reminder_staff",
                    due_at=due,
                    expires_at=meeting.starts_at,  # never after the meeting started
                    to=to,
                )
            )
    return planned


def plan_information(
    meeting: Meeting, attendees: list[Attendee], now: datetime, quiet: QuietHours = QUIET_HOURS
) -> list[Planned]:
    """The information before the meeting, to everyone we can reach, as soon as the
    convenor sends it: SMS within the allowed hours, never after the start."""
    if meeting.starts_at is None or meeting.status in CALLED_OFF:
        return []
    tz = ZoneInfo(meeting.timezone)
    stamp = int(meeting.starts_at.timestamp())
    planned = []
    for attendee, to in reachable(attendees):
        staff = attendee.role is AttendeeRole.AGENCY_STAFF
        due = quiet.next_allowed(now, tz) if to.channel is Channel.SMS else now
        planned.append(
            Planned(
                # The meeting time is in the key: a moved meeting is news worth sending.
                dedupe_key=f"info:m{meeting.id}:a{attendee.id}:{stamp}",
                kind=MessageKind.INFO,
                template="invitation_staff" if staff else "info_participant",
                due_at=due,
                expires_at=meeting.starts_at,
                to=to,
                params={"attendee_id": attendee.id},
            )
        )
    return planned


def plan_notice(
    meeting: Meeting,
    attendees: list[Attendee],
    now: datetime,
    kind: MessageKind,
    version: str,
    quiet: QuietHours = QUIET_HOURS,
) -> list[Planned]:
    """A one-off notice to each attendee ('change', 'cancel', 'summary'); `version`
    names what it reports, so a later change supersedes a pending earlier one."""
    tz = ZoneInfo(meeting.timezone)
    planned = []
    for attendee, to in reachable(attendees):
        due = quiet.next_allowed(now, tz) if to.channel is Channel.SMS else now
        planned.append(
            Planned(
                dedupe_key=f"{kind}:m{meeting.id}:a{attendee.id}:{version}",
                kind=kind,
                template=NOTICE_TEMPLATES[kind],
                due_at=due,
                # News about a meeting is stale once it starts; a summary is not.
                expires_at=meeting.starts_at if kind != MessageKind.SUMMARY else None,
                to=to,
                params={"attendee_id": attendee.id},
            )
        )
    return planned


NOTICE_TEMPLATES = {
    MessageKind.CHANGE: "meeting_changed",
    MessageKind.CANCEL: "meeting_cancelled",
    MessageKind.SUMMARY: "after_summary",
}


def plan_survey(meeting: Meeting, attendees: list[Attendee]) -> list[Planned]:
    """The short survey to the person in focus: the next working day at 10:00."""
    if meeting.status is not MeetingStatus.HELD or meeting.starts_at is None:
        return []  # not for a no-show, a cancelled or a moved meeting
    tz = ZoneInfo(meeting.timezone)
    planned = []
    for attendee, to in reachable(attendees):
        if attendee.role is not AttendeeRole.PERSON_IN_FOCUS:
            continue
        due = SURVEY.due(meeting.starts_at, meeting.ends_at or meeting.starts_at, tz)
        planned.append(
            Planned(
                dedupe_key=f"survey:m{meeting.id}:a{attendee.id}",
                kind=MessageKind.SURVEY,
                template="survey_start",
                due_at=due,
                expires_at=due + timedelta(days=3),  # an unanswered survey closes then
                to=to,
            )
        )
    return planned


def plan_follow_up(
    meeting: Meeting, attendees: list[Attendee], items: list[ActionItem]
) -> list[Planned]:
    """On each due day the owner (if staff on Telegram) and the convenor are reminded."""
    tz = ZoneInfo(meeting.timezone)
    convenor = meeting.convenor
    planned = []

    def remind(key: str, template: str, day: date, owner: Attendee | None, params: dict) -> None:
        due = at_local(day, FOLLOW_UP_HOUR, tz)
        recipients = {}
        if convenor is not None:
            recipients[convenor.id] = convenor.language
        if owner is not None and owner.staff_user_id is not None:
            recipients[owner.staff_user_id] = owner.staff_user.language
        for staff_id, locale in recipients.items():
            planned.append(
                Planned(
                    dedupe_key=f"{key}:s{staff_id}:{day.isoformat()}",
                    kind=MessageKind.FOLLOW_UP,
                    template=template,
                    due_at=due,
                    expires_at=None,
                    to=Recipient(Channel.TELEGRAM, None, staff_id, locale),
                    params=params,
                )
            )

    if meeting.feedback_due and meeting.feedback_given_at is None:
        giver = next((a for a in attendees if a.gives_feedback), None)
        remind(f"feedback:m{meeting.id}", "followup_feedback_due", meeting.feedback_due, giver, {})
    by_id = {a.id: a for a in attendees}
    for item in items:
        if item.due and item.status is ActionStatus.OPEN:
            owner = by_id.get(item.owner_id) if item.owner_id else None
            remind(
                f"action:{item.id}",
                "followup_action_due",
                item.due,
                owner,
                {"action_item_id": item.id},
            )
    return planned


async def sync_kind(meeting: Meeting, kind: MessageKind, planned: list[Planned]) -> tuple[int, int]:
    """Makes the pending rows of one kind match the plan; (created, cancelled)."""
    wanted = {p.dedupe_key: p for p in planned}
    async with in_transaction():
        pending = await OutboxMessage.filter(
            meeting=meeting, kind=kind, status=OutboxStatus.SCHEDULED
        ).values_list("id", "dedupe_key")
        stale = [row_id for row_id, key in pending if key not in wanted]
        cancelled = 0
        if stale:
            cancelled = await OutboxMessage.filter(
                id__in=stale, status=OutboxStatus.SCHEDULED
            ).update(status=OutboxStatus.CANCELLED)
        existing = set(
            await OutboxMessage.filter(dedupe_key__in=list(wanted)).values_list(
                "dedupe_key", flat=True
            )
        )
        new = [
            OutboxMessage(
                meeting=meeting,
                person_id=p.to.person_id,
                staff_user_id=p.to.staff_user_id,
                channel=p.to.channel,
                kind=p.kind,
                template=p.template,
                locale=p.to.locale,
                params=p.params or {},
                due_at=p.due_at,
                next_attempt_at=p.due_at,
                expires_at=p.expires_at,
                dedupe_key=p.dedupe_key,
            )
            for key, p in wanted.items()
            if key not in existing
        ]
        if new:
            await OutboxMessage.bulk_create(new)
    return len(new), cancelled


async def meeting_attendees(meeting: Meeting) -> list[Attendee]:
    # Consents come along: no SMS or Telegram message to a person without one.
    return await Attendee.filter(meeting=meeting).prefetch_related(
        "person", "person__consents", "staff_user"
    )


async def schedule_reminders(meeting: Meeting) -> tuple[int, int]:
    """(created, cancelled). Safe to call after every edit."""
    rules = await team_settings.for_meeting(meeting)
    attendees = await meeting_attendees(meeting)
    return await sync_kind(
        meeting,
        MessageKind.REMINDER,
        plan_reminders(meeting, attendees, rules.reminders, clock.now(), rules.quiet_hours),
    )


async def cancel_reminders(attendee: Attendee) -> int:
    """The attendee cannot come: every pending reminder to them for this meeting is
    cancelled at once; returns how many. `plan_reminders` plans none for them after."""
    recipient = (
        {"person_id": attendee.person_id}
        if attendee.person_id is not None
        else {"staff_user_id": attendee.staff_user_id}
    )
    return await OutboxMessage.filter(
        meeting_id=attendee.meeting_id,
        kind=MessageKind.REMINDER,
        status=OutboxStatus.SCHEDULED,
        **recipient,
    ).update(status=OutboxStatus.CANCELLED, last_error="declined")


async def restore_reminders(attendee: Attendee, now: datetime) -> int:
    """A yes after a no: the reminders its no cancelled come back, those still ahead."""
    return await OutboxMessage.filter(
        meeting_id=attendee.meeting_id,
        person_id=attendee.person_id,
        kind=MessageKind.REMINDER,
        status=OutboxStatus.CANCELLED,
        last_error="declined",
        due_at__gt=now,
    ).update(status=OutboxStatus.SCHEDULED, last_error=None)


async def schedule_information(meeting: Meeting, now: datetime) -> tuple[int, int]:
    """Sends the information now (the convenor pressed send); again after a move."""
    return await sync_kind(meeting, MessageKind.INFO, await information_plan(meeting, now))


async def information_plan(meeting: Meeting, now: datetime) -> list[Planned]:
    """The information to everyone reachable, within the team's quiet hours."""
    quiet = (await team_settings.for_meeting(meeting)).quiet_hours
    return plan_information(meeting, await meeting_attendees(meeting), now, quiet)


async def schedule_survey(meeting: Meeting) -> tuple[int, int]:
    return await sync_kind(
        meeting, MessageKind.SURVEY, plan_survey(meeting, await meeting_attendees(meeting))
    )


async def schedule_follow_up(meeting: Meeting) -> tuple[int, int]:
    await meeting.fetch_related("convenor")
    items = await ActionItem.filter(meeting=meeting)
    return await sync_kind(
        meeting,
        MessageKind.FOLLOW_UP,
        plan_follow_up(meeting, await meeting_attendees(meeting), items),
    )


async def schedule_notice(
    meeting: Meeting, now: datetime, kind: MessageKind, version: str, attendee_ids: set[int]
) -> tuple[int, int]:
    """The notice to the given attendees; pending notices of the same kind with another
    version are cancelled (superseded)."""
    attendees = [a for a in await meeting_attendees(meeting) if a.id in attendee_ids]
    quiet = (await team_settings.for_meeting(meeting)).quiet_hours
    return await sync_kind(
        meeting, kind, plan_notice(meeting, attendees, now, kind, version, quiet)
    )
