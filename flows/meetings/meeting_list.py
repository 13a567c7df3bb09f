"""The meetings list: one page of meetings and their follow-up status.

One query for the page (an index on team or convenor and time serves it), then one
grouped query per aspect for the page's ids: the cost is per page, not per meeting.
`follow_up` serves the CSV export and the API the same way, a page at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from flows.meetings import checklists
from flows.staff.scope import Scope
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import (
    Attendee,
    AttendeeRole,
    Checklist,
    ChecklistTick,
    MeetingStatus,
    MessageKind,
    SurveyStatus,
    TickState,
)

PAGE_SIZE = 25
_REACHED = ("sent", "delivered")


@dataclass(frozen=True)
class Filters:
    convenor_id: int | None = None
    status: MeetingStatus | None = None
    start: date | None = None  # starts on or after this day
    end: date | None = None  # starts on or before this day
    page: int = 1


@dataclass
class Row:
    id: int
    starts_at: datetime | None
    timezone: str
    status: MeetingStatus
    convenor: str | None
    feedback_due: date | None
    feedback_given_at: datetime | None
    prep_done: int = 0
    prep_total: int = 0
    info: dict[str, int] = field(default_factory=dict)  # status -> messages to people
    survey_sent: int = 0
    survey_answered: int = 0
    seats: int = 0  # people contacted (not staff on Telegram)
    confirmed: int = 0
    declined: int = 0
    person_response: str | None = None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    page: int
    has_next: bool


def _bounds(filters: Filters, tz: ZoneInfo) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if filters.start:
        where["starts_at__gte"] = datetime.combine(filters.start, time(0), tzinfo=tz)
    if filters.end:
        day_after = filters.end + timedelta(days=1)
        where["starts_at__lt"] = datetime.combine(day_after, time(0), tzinfo=tz)
    if filters.status:
        where["status"] = filters.status
    if filters.convenor_id:
        where["convenor_id"] = filters.convenor_id
    return where


def _query(scope: Scope, filters: Filters, tz: ZoneInfo):  # type: ignore[no-untyped-def]
    return scope.meetings().filter(**_bounds(filters, tz)).order_by("-starts_at", "-id")


_COLUMNS = (
    "id",
    "starts_at",
    "timezone",
    "status",
    "feedback_due",
    "feedback_given_at",
)


async def meeting_page(scope: Scope, filters: Filters, tz: ZoneInfo) -> Page:
    page = max(filters.page, 1)
    rows = await (
        _query(scope, filters, tz)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)  # one more tells whether there is a next page
        .values(*_COLUMNS, convenor="convenor__display_name")
    )
    found = [Row(**row) for row in rows[:PAGE_SIZE]]
    await _add_status(found)
    return Page(found, page, len(rows) > PAGE_SIZE)


async def follow_up(
    scope: Scope, filters: Filters, tz: ZoneInfo, batch: int = 500
) -> AsyncIterator[Row]:
    """Every meeting the filters select, with its status, a batch at a time."""
    offset = 0
    while True:
        rows = await (
            _query(scope, filters, tz)
            .offset(offset)
            .limit(batch)
            .values(*_COLUMNS, convenor="convenor__display_name")
        )
        found = [Row(**row) for row in rows]
        await _add_status(found)
        for row in found:
            yield row
        if len(rows) < batch:
            return
        offset += batch


async def _add_status(rows: list[Row]) -> None:
    by_id = {row.id: row for row in rows}
    if not by_id:
        return
    ids = list(by_id)
    await _add_preparation(by_id, ids)
    messages = (
        await OutboxMessage.filter(
            meeting_id__in=ids,
            kind__in=(MessageKind.INFO, MessageKind.SURVEY),
            person_id__isnull=False,
        )
        .group_by("meeting_id", "kind", "status")
        .annotate(n=Count("id"))
        .values("meeting_id", "kind", "status", "n")
    )
    for m in messages:
        row = by_id[m["meeting_id"]]
        if m["kind"] == MessageKind.INFO:
            row.info[str(m["status"])] = row.info.get(str(m["status"]), 0) + m["n"]
        elif str(m["status"]) in _REACHED:
            row.survey_sent += m["n"]
    seats = (
        await Attendee.filter(meeting_id__in=ids, person_id__isnull=False)
        .group_by("meeting_id", "role", "response")
        .annotate(n=Count("id"))
        .values("meeting_id", "role", "response", "n")
    )
    for s in seats:
        row = by_id[s["meeting_id"]]
        row.seats += s["n"]
        response = str(s["response"])
        if response == "confirmed":
            row.confirmed += s["n"]
        elif response == "declined":
            row.declined += s["n"]
        if str(s["role"]) == AttendeeRole.PERSON_IN_FOCUS.value:
            row.person_response = response
    # No filter on the question in SQL: with one, SQLite reads the question index over
    # every meeting's answers instead of the (meeting, person, question) one.
    answered = (
        await SurveyAnswer.filter(meeting_id__in=ids, status=SurveyStatus.ANSWERED)
        .group_by("meeting_id", "question")
        .annotate(n=Count("id"))
        .values("meeting_id", "question", "n")
    )
    for a in answered:
        if a["question"] == "knew_why":
            by_id[a["meeting_id"]].survey_answered = a["n"]


async def _add_preparation(by_id: dict[int, Row], ids: list[int]) -> None:
    ticks: dict[int, dict[str, TickState]] = defaultdict(dict)
    for meeting_id, key, state in await ChecklistTick.filter(
        meeting_id__in=ids, checklist=Checklist.PREPARATION
    ).values_list("meeting_id", "item_key", "state"):
        ticks[meeting_id][key] = TickState(state)
    for meeting_id, row in by_id.items():
        row.prep_done, row.prep_total = checklists.progress(
            ticks.get(meeting_id, {}), Checklist.PREPARATION
        )


async def meeting_row(scope: Scope, meeting_id: int) -> Row | None:
    """One meeting in scope with the same status fields as the list."""
    rows = (
        await scope.meetings()
        .filter(id=meeting_id)
        .values(*_COLUMNS, convenor="convenor__display_name")
    )
    found = [Row(**row) for row in rows]
    await _add_status(found)
    return found[0] if found else None
