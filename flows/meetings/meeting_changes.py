"""What a change to a prepared meeting means for the people invited to it.

Sending the information plans the information and the reminders. After an
edit of time or place, whoever already got the information gets one short
notice of the change; whoever did not yet gets the information with the new
facts; the reminders are recomputed. Cancelling stops every pending message
and tells those who were informed. The outbox's dedupe keys make each of
these safe to repeat: nothing goes out twice, nothing stale goes out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flows.outbox import campaign
from storage.message_models import OutboxMessage
from storage.models import (
    ActorKind,
    Attendee,
    Meeting,
    MeetingStatus,
    MessageKind,
    OutboxStatus,
    StaffUser,
)
from storage.record_models import AuditEvent

_REACHED = (OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.DELIVERED)


@dataclass(frozen=True)
class Sent:
    queued: int  # messages newly planned
    unreachable: int  # attendees we have no way (or no right) to contact


async def _audit(staff: StaffUser, action: str, meeting: Meeting, **detail: object) -> None:
    await AuditEvent.create(
        actor_kind=ActorKind.STAFF,
        actor=staff,
        action=action,
        object_type="meeting",
        object_id=str(meeting.id),
        detail=detail,
    )


async def send_information(meeting: Meeting, staff: StaffUser, now: datetime) -> Sent:
    if meeting.status is MeetingStatus.DRAFT:
        meeting.status = MeetingStatus.PLANNED
    meeting.info_sent_at = meeting.info_sent_at or now
    await meeting.save(update_fields=["status", "info_sent_at", "updated_at"])
    created, _ = await campaign.schedule_information(meeting, now)
    await campaign.schedule_reminders(meeting)
    attendees = await campaign.meeting_attendees(meeting)
    reachable = {a.id for a, _ in campaign.reachable(attendees)}
    await _audit(staff, "send_information", meeting, queued=created)
    return Sent(created, len(attendees) - len(reachable))


async def _informed(meeting: Meeting) -> set[int]:
    """Attendees whose information has left (or is leaving) the outbox."""
    rows = await OutboxMessage.filter(
        meeting=meeting, kind=MessageKind.INFO, status__in=_REACHED
    ).values_list("params", flat=True)
    return {row["attendee_id"] for row in rows if row and "attendee_id" in row}


def _version(meeting: Meeting) -> str:
    """Names the facts a notice reports: time and place."""
    stamp = int(meeting.starts_at.timestamp()) if meeting.starts_at else 0
    place = hashlib.sha256(meeting.place.encode()).hexdigest()[:8]
    return f"{stamp}-{place}"


async def after_edit(meeting: Meeting, staff: StaffUser, field: str, now: datetime) -> int:
    """Brings the outbox in line with an edited meeting; returns the notices planned."""
    await _audit(staff, "edit", meeting, field=field)
    if meeting.info_sent_at is None or field not in ("when", "place"):
        return 0
    informed = await _informed(meeting)
    everyone = set(await Attendee.filter(meeting=meeting).values_list("id", flat=True))
    created, _ = await campaign.schedule_notice(
        meeting, now, MessageKind.CHANGE, _version(meeting), informed
    )
    # The not yet informed get the information with the new facts (and no notice).
    info = await campaign.information_plan(meeting, now)
    await campaign.sync_kind(
        meeting,
        MessageKind.INFO,
        [p for p in info if p.params["attendee_id"] in everyone - informed],
    )
    await campaign.schedule_reminders(meeting)
    return created


async def cancel(meeting: Meeting, staff: StaffUser, now: datetime) -> int:
    """Cancels the meeting and its pending messages; tells the informed. Returns notices."""
    informed = await _informed(meeting)
    meeting.status = MeetingStatus.CANCELLED
    await meeting.save(update_fields=["status", "updated_at"])
    await OutboxMessage.filter(meeting=meeting, status=OutboxStatus.SCHEDULED).update(
        status=OutboxStatus.CANCELLED, last_error="meeting cancelled"
    )
    await _audit(staff, "cancel", meeting)
    if meeting.starts_at is None or meeting.starts_at <= now:
        return 0
    created, _ = await campaign.schedule_notice(meeting, now, MessageKind.CANCEL, "1", informed)
    return created
