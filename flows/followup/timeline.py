"""One meeting's history for the dashboard: every message with its status, replies,
checklist ticks, notes and action items, in time order.

What a coordinator needs and no more: first names and roles, never a phone number
or a chat id; replies by what they were taken for, not their words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.core import labels
from flows.core.i18n import _, current_locale
from flows.followup import dashboard_labels
from flows.meetings import checklists
from storage.message_models import InboundMessage, OutboxMessage
from storage.models import (
    ActionItem,
    ActionStatus,
    AttendeeRole,
    Checklist,
    ChecklistTick,
    Meeting,
    NoteKind,
    OutboxStatus,
    TickState,
)
from storage.models import Note as NoteRow


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str  # the kind of event, in words
    detail: str
    state: str = ""  # status words
    problem: bool = False  # shown highlighted: failed, overdue


async def _roles(meeting: Meeting) -> dict[int, str]:
    """person id -> 'Amina (the person in focus)'."""
    seats = await meeting.attendees.filter(person_id__isnull=False).values_list(
        "person_id", "person__first_name", "role"
    )
    return {pid: f"{name} ({labels.role(AttendeeRole(role))})" for pid, name, role in seats}


async def _messages(meeting: Meeting, people: dict[int, str]) -> list[Event]:
    events = []
    rows = await OutboxMessage.filter(meeting_id=meeting.id).values(
        "kind",
        "channel",
        "status",
        "due_at",
        "sent_at",
        "delivered_at",
        "error_code",
        "person_id",
        "staff_user__display_name",
    )
    for row in rows:
        status = OutboxStatus(row["status"])
        who = people.get(row["person_id"]) if row["person_id"] else None
        who = who or row["staff_user__display_name"] or "?"
        at = row["delivered_at"] or row["sent_at"] or row["due_at"]
        state = dashboard_labels.message_status(status)
        if row["error_code"]:
            state += f" ({row['error_code']})"
        events.append(
            Event(
                at=at,
                what=dashboard_labels.message_kind(row["kind"]),
                detail=_("to {who} by {channel}", who=who, channel=row["channel"]),
                state=state,
                problem=status is OutboxStatus.FAILED,
            )
        )
    return events


async def _replies(meeting: Meeting, people: dict[int, str]) -> list[Event]:
    rows = await InboundMessage.filter(meeting_id=meeting.id).values(
        "received_at", "person_id", "handled_as", "channel"
    )
    return [
        Event(
            at=row["received_at"],
            what=_("Reply"),
            detail=_(
                "from {who} by {channel}",
                who=people.get(row["person_id"], "?"),
                channel=row["channel"],
            ),
            state=row["handled_as"],
        )
        for row in rows
    ]


async def _ticks(meeting: Meeting) -> list[Event]:
    locale = current_locale()
    events = []
    for tick in await ChecklistTick.filter(meeting_id=meeting.id):
        item = checklists.item(tick.checklist, tick.item_key)
        which = _("Preparation") if tick.checklist is Checklist.PREPARATION else _("Meeting")
        events.append(
            Event(
                at=tick.ticked_at,
                what=_("Checklist: {which}", which=which),
                detail=item.wording(locale) if item else tick.item_key,
                state=dashboard_labels.tick(TickState(tick.state)),
            )
        )
    return events


async def _notes_and_actions(meeting: Meeting, today_utc: datetime) -> list[Event]:
    events = [
        Event(at=n.created_at, what=dashboard_labels.note(NoteKind(n.kind)), detail=n.text)
        for n in await NoteRow.filter(meeting_id=meeting.id)
    ]
    for item in await ActionItem.filter(meeting_id=meeting.id).prefetch_related("owner__person"):
        overdue = (
            item.status is ActionStatus.OPEN
            and item.due is not None
            and item.due < today_utc.date()
        )
        due = item.due.isoformat() if item.due else "–"
        events.append(
            Event(
                at=item.created_at,
                what=_("Action item"),
                detail=_("{what} (by {due})", what=item.what, due=due),
                state=dashboard_labels.action(ActionStatus(item.status)),
                problem=overdue,
            )
        )
    return events


async def timeline(meeting: Meeting, now: datetime) -> list[Event]:
    people = await _roles(meeting)
    events = [
        *await _messages(meeting, people),
        *await _replies(meeting, people),
        *await _ticks(meeting),
        *await _notes_and_actions(meeting, now),
    ]
    return sorted(events, key=lambda e: e.at)
