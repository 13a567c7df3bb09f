"""What needs a coordinator's attention, counted and listed in the database.

Six concerns, each one indexed query for the count and one for the top items, so
the cost follows what is wrong rather than how many meetings there are. Concerns
about meetings older than `WINDOW` leave the list: by then they are history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from flows.staff.scope import Scope
from storage.message_models import SurveyAnswer
from storage.models import (
    CALLED_OFF,
    UPCOMING,
    ActionItem,
    ActionStatus,
    AttendeeResponse,
    AttendeeRole,
    MeetingStatus,
    MessageKind,
    OutboxStatus,
    SurveyStatus,
)

WINDOW = timedelta(days=90)
CONFIRM_WORKING_DAYS = 2  # no answer this close to the meeting: someone should call


class Concern(StrEnum):
    INFO_FAILED = "info_failed"
    NOT_CONFIRMED = "not_confirmed"
    DECLINED = "declined"
    FEEDBACK_OVERDUE = "feedback_overdue"
    ACTIONS_OVERDUE = "actions_overdue"
    NEXT_UNKNOWN = "next_unknown"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True)
class Item:
    concern: Concern
    meeting_id: int
    starts_at: datetime | None
    timezone: str
    convenor: str | None
    when: date | datetime | None  # due day, failure or answer time


@dataclass
class Attention:
    counts: dict[Concern, int] = field(default_factory=dict)
    items: dict[Concern, list[Item]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class _Query:
    rows: QuerySet  # type: ignore[type-arg]
    prefix: str  # from a row to its meeting
    when: str | None
    order: str


def working_days_ahead(today: date, n: int) -> date:
    """The n-th working day after today (weekends skipped; public holidays are not)."""
    day = today
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _queries(scope: Scope, now: datetime, today: date) -> dict[Concern, _Query]:
    since, oldest_day = now - WINDOW, today - WINDOW
    # Whole days: on a Thursday, Monday's meeting is two working days away.
    confirm_by = datetime.combine(
        working_days_ahead(today, CONFIRM_WORKING_DAYS) + timedelta(days=1), time(), tzinfo=UTC
    )
    person_in_focus = scope.meetings().filter(
        starts_at__gte=now, status__in=UPCOMING, attendees__role=AttendeeRole.PERSON_IN_FOCUS
    )
    # Driven from the scope's meetings in time (team or convenor index), so the cost
    # follows the team's size, not the whole database's.
    recent = scope.meetings().filter(starts_at__gte=since)
    failed_info = recent.filter(
        starts_at__gte=now,
        status__in=UPCOMING,
        outbox__kind=MessageKind.INFO,
        outbox__status=OutboxStatus.FAILED,
        outbox__person_id__isnull=False,
    ).values("id")
    opted_out = (
        recent.filter(closed_at=None, attendees__person__opted_out_at__isnull=False)
        .exclude(status__in=CALLED_OFF)
        .values("id")
    )
    return {
        Concern.INFO_FAILED: _Query(
            scope.meetings().filter(id__in=Subquery(failed_info)), "", None, "starts_at"
        ),
        Concern.NOT_CONFIRMED: _Query(
            person_in_focus.filter(
                status=MeetingStatus.PLANNED,
                starts_at__lt=confirm_by,
                attendees__response=AttendeeResponse.PENDING,
            ),
            "",
            None,
            "starts_at",
        ),
        # A no matters however far ahead the meeting is: a new time is needed.
        Concern.DECLINED: _Query(
            person_in_focus.filter(attendees__response=AttendeeResponse.DECLINED),
            "",
            None,
            "starts_at",
        ),
        Concern.FEEDBACK_OVERDUE: _Query(
            recent.filter(
                feedback_given_at=None, feedback_due__lt=today, feedback_due__gte=oldest_day
            ).exclude(status__in=CALLED_OFF),
            "",
            "feedback_due",
            "feedback_due",
        ),
        Concern.ACTIONS_OVERDUE: _Query(
            ActionItem.filter(
                status=ActionStatus.OPEN,
                due__lt=today,
                due__gte=oldest_day,
                **scope.of_meetings(),
            ),
            "meeting__",
            "due",
            "due",
        ),
        Concern.NEXT_UNKNOWN: _Query(
            # From the scope's recent meetings to their answers (the unique index
            # leads with the meeting): the team's last weeks, not its whole history.
            SurveyAnswer.filter(
                meeting_id__in=Subquery(recent.values("id")),
                question="next_known",
                value=0,
                status=SurveyStatus.ANSWERED,
                answered_at__gte=since,
            ),
            "meeting__",
            "answered_at",
            "-answered_at",
        ),
        Concern.OPTED_OUT: _Query(
            scope.meetings().filter(id__in=Subquery(opted_out)),
            "",
            None,
            "starts_at",
        ),
    }


async def attention(scope: Scope, now: datetime, today: date, limit: int = 5) -> Attention:
    """Counts for every concern and up to `limit` items of each, oldest problem first."""
    found = Attention()
    for concern, query in _queries(scope, now, today).items():
        found.counts[concern] = await query.rows.count()
        if not found.counts[concern] or limit <= 0:
            found.items[concern] = []
            continue
        columns = {
            "meeting_id": f"{query.prefix}id",
            "starts_at": f"{query.prefix}starts_at",
            "timezone": f"{query.prefix}timezone",
            "convenor": f"{query.prefix}convenor__display_name",
        }
        if query.when:
            columns["when"] = query.when
        rows = await query.rows.order_by(query.order, "id").limit(limit).values(**columns)
        found.items[concern] = [
            Item(
                concern=concern,
                meeting_id=row["meeting_id"],
                starts_at=row["starts_at"],
                timezone=row["timezone"],
                convenor=row["convenor"],
                when=row.get("when"),
            )
            for row in rows
        ]
    return found
