"""Who saw what: one append-only row per meeting viewed or export taken (domain.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from storage.models import ActorKind, Meeting, Person, StaffRole, StaffUser
from storage.record_models import AuditEvent


async def record_view(
    staff: StaffUser, object_type: str, object_id: int | None, action: str = "view"
) -> None:
    await AuditEvent.create(
        actor_kind=ActorKind.STAFF,
        actor=staff,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
    )


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str  # a staff name, or "system" / "person" / "api"
    action: str
    object_type: str
    object_id: str | None


TRAIL_LIMIT = 200


async def audit_trail(staff: StaffUser, limit: int = TRAIL_LIMIT) -> list[AuditRow] | None:
    """The newest events a viewer may read; None for a convenor (coordinators and admins
    only). A coordinator reads what their team's staff did and what was done, by the
    system or a person, to their team's meetings and people. Ids only: no names of people."""
    if staff.role is StaffRole.CONVENOR:
        return None
    query = AuditEvent.all()
    if staff.role is StaffRole.COORDINATOR:
        meetings = Meeting.filter(team_id=staff.team_id).values_list("id", flat=True)
        people = Person.filter(team_id=staff.team_id).values_list("id", flat=True)
        query = query.filter(
            Q(actor__team_id=staff.team_id)
            | Q(object_type="meeting", object_id__in=[str(i) for i in await meetings])
            | Q(object_type="person", object_id__in=[str(i) for i in await people])
        )
    events = await query.order_by("-at", "-id").limit(limit).prefetch_related("actor")
    return [
        AuditRow(
            at=event.at,
            who=event.actor.display_name if event.actor else event.actor_kind.value,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
        )
        for event in events
    ]
