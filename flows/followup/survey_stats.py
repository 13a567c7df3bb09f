"""Survey results for a scope and period: answers per question and month, the
response rate, and the funnel informed -> confirmed -> held -> feedback on time ->
survey answered. Counted in the database, one grouped query per month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import Subquery
from tortoise.functions import Count

from flows.staff.scope import Scope
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import (
    HELD,
    AttendeeResponse,
    AttendeeRole,
    MessageKind,
    OutboxStatus,
    SurveyStatus,
)

QUESTIONS = ("knew_why", "could_say", "next_known")
MAX_MONTHS = 24


@dataclass
class Month:
    label: str  # 2027-03
    answers: dict[str, dict[int, int]] = field(default_factory=dict)  # question -> value -> n
    sent: int = 0
    answered: int = 0

    @property
    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


@dataclass
class Funnel:
    meetings: int = 0
    informed: int = 0
    confirmed: int = 0
    held: int = 0
    feedback_on_time: int = 0
    survey_answered: int = 0

    def steps(self) -> list[tuple[str, int]]:
        return [
            ("informed", self.informed),
            ("confirmed", self.confirmed),
            ("held", self.held),
            ("feedback_on_time", self.feedback_on_time),
            ("survey_answered", self.survey_answered),
        ]


@dataclass
class SurveyStats:
    months: list[Month]
    funnel: Funnel

    @property
    def sent(self) -> int:
        return sum(m.sent for m in self.months)

    @property
    def answered(self) -> int:
        return sum(m.answered for m in self.months)

    @property
    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


def month_starts(start: date, end: date) -> list[date]:
    first = start.replace(day=1)
    months = []
    while first <= end and len(months) < MAX_MONTHS:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def _moment(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


async def _month(scope: Scope, first: date, tz: ZoneInfo) -> Month:
    """Meetings that started in this month, and what their people answered."""
    after = (first + timedelta(days=32)).replace(day=1)
    meetings = {
        **scope.where("meeting__"),
        "meeting__starts_at__gte": _moment(first, tz),
        "meeting__starts_at__lt": _moment(after, tz),
    }
    month = Month(first.strftime("%Y-%m"))
    rows = (
        await SurveyAnswer.filter(
            question__in=QUESTIONS, status=SurveyStatus.ANSWERED, value__isnull=False, **meetings
        )
        .group_by("question", "value")
        .annotate(n=Count("id"))
        .values("question", "value", "n")
    )
    for row in rows:
        month.answers.setdefault(row["question"], {})[row["value"]] = row["n"]
    month.answered = sum(month.answers.get("knew_why", {}).values())
    month.sent = await OutboxMessage.filter(
        kind=MessageKind.SURVEY,
        person_id__isnull=False,
        status__in=(OutboxStatus.SENT, OutboxStatus.DELIVERED),
        **meetings,
    ).count()
    return month


async def _funnel(scope: Scope, start: date, end: date, tz: ZoneInfo) -> Funnel:
    meetings = scope.meetings().filter(
        starts_at__gte=_moment(start, tz), starts_at__lt=_moment(end + timedelta(days=1), tz)
    )
    answered = SurveyAnswer.filter(question="knew_why", status=SurveyStatus.ANSWERED)
    given = await meetings.filter(
        feedback_given_at__isnull=False, feedback_due__isnull=False
    ).values_list("feedback_given_at", "feedback_due", "timezone")
    return Funnel(
        meetings=await meetings.count(),
        informed=await meetings.filter(info_sent_at__isnull=False).count(),
        confirmed=await meetings.filter(
            attendees__role=AttendeeRole.PERSON_IN_FOCUS,
            attendees__response=AttendeeResponse.CONFIRMED,
        ).count(),
        held=await meetings.filter(status__in=HELD).count(),
        # On time: given on or before the due day, in the meeting's own time zone.
        feedback_on_time=sum(
            1 for at, due, zone in given if at.astimezone(ZoneInfo(zone)).date() <= due
        ),
        survey_answered=await meetings.filter(
            id__in=Subquery(answered.values("meeting_id"))
        ).count(),
    )


async def survey_stats(scope: Scope, start: date, end: date, tz: ZoneInfo) -> SurveyStats:
    months = [await _month(scope, first, tz) for first in month_starts(start, end)]
    return SurveyStats(months, await _funnel(scope, start, end, tz))
