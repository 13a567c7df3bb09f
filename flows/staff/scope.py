"""Which meetings a viewer may see: the one rule every page, export, API route and
Telegram command applies on the server.

Coordinators see their team, convenors their own meetings, admins everything; an
API token sees its team.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from storage.models import Meeting, StaffRole, StaffUser


@dataclass(frozen=True)
class Scope:
    team_id: int | None = None  # None: every team
    convenor_id: int | None = None  # set: only this convenor's meetings

    def where(self, prefix: str = "") -> dict[str, Any]:
        """Filter arguments for a query over meetings, or over rows `prefix` away
        from a meeting (e.g. "meeting__")."""
        found: dict[str, Any] = {}
        if self.team_id is not None:
            found[f"{prefix}team_id"] = self.team_id
        if self.convenor_id is not None:
            found[f"{prefix}convenor_id"] = self.convenor_id
        return found

    def of_meetings(self) -> dict[str, Any]:
        """Filter arguments for rows that hang off a meeting (action items, answers),
        as `meeting_id IN (the scope's meetings)`: the database then walks one team's
        meetings and each one's rows by index, instead of every team's rows joined
        back to their meetings. Unscoped (admin), no filter at all."""
        if not self.where():
            return {}
        return {"meeting_id__in": Subquery(self.meetings().values("id"))}

    def meetings(self) -> QuerySet[Meeting]:
        return Meeting.filter(**self.where())

    async def meeting(self, meeting_id: int) -> Meeting | None:
        """The meeting if it is in scope; another's meeting and a missing one look alike."""
        return await self.meetings().get_or_none(id=meeting_id)

    @property
    def sees_convenors(self) -> bool:
        return self.convenor_id is None


def for_staff(staff: StaffUser) -> Scope:
    if staff.role is StaffRole.ADMIN:
        return Scope()
    if staff.role is StaffRole.COORDINATOR:
        return Scope(team_id=staff.team_id)
    return Scope(team_id=staff.team_id, convenor_id=staff.id)


def for_team(team_id: int) -> Scope:
    return Scope(team_id=team_id)
