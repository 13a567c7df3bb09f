"""CSV exports: meetings' follow-up status, and survey answers without names or numbers.

Cells that a spreadsheet would read as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.meetings.meeting_list import Filters, follow_up
from flows.staff.scope import Scope
from storage.message_models import SurveyAnswer
from storage.models import SurveyStatus

MEETING_COLUMNS = (
    "meeting_id",
    "starts_at",
    "status",
    "convenor",
    "preparation_done",
    "preparation_total",
    "info_delivered",
    "info_failed",
    "people",
    "confirmed",
    "declined",
    "feedback_due",
    "feedback_given_at",
    "survey_sent",
    "survey_answered",
)
ANSWER_COLUMNS = ("meeting_id", "meeting_month", "respondent", "question", "value", "answered_on")
ANSWER_QUESTIONS = ("knew_why", "could_say", "next_known")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_cell(v) for v in values])
    return buffer.getvalue()


async def meetings_csv(scope: Scope, filters: Filters, tz: ZoneInfo) -> AsyncIterator[str]:
    yield _line(MEETING_COLUMNS)
    async for row in follow_up(scope, filters, tz):
        local = row.starts_at.astimezone(ZoneInfo(row.timezone)) if row.starts_at else None
        yield _line(
            (
                row.id,
                local,
                row.status.value,
                row.convenor,
                row.prep_done,
                row.prep_total,
                row.info.get("delivered", 0),
                row.info.get("failed", 0),
                row.seats,
                row.confirmed,
                row.declined,
                row.feedback_due,
                row.feedback_given_at,
                row.survey_sent,
                row.survey_answered,
            )
        )


async def answers_csv(
    scope: Scope, start: date, end: date, tz: ZoneInfo, batch: int = 2000
) -> AsyncIterator[str]:
    """One line per answer; a respondent is a number within this file, never a person id."""
    yield _line(ANSWER_COLUMNS)
    respondents: dict[tuple[int, int | None], int] = {}
    query = SurveyAnswer.filter(
        question__in=ANSWER_QUESTIONS,
        status=SurveyStatus.ANSWERED,
        meeting__starts_at__gte=datetime.combine(start, time(0), tzinfo=tz),
        meeting__starts_at__lt=datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz),
        **scope.where("meeting__"),
    ).order_by("meeting_id", "id")
    offset = 0
    while True:
        rows = (
            await query.offset(offset)
            .limit(batch)
            .values(
                "meeting_id", "person_id", "question", "value", "answered_at", "meeting__starts_at"
            )
        )
        for row in rows:
            key = (row["meeting_id"], row["person_id"])
            number = respondents.setdefault(key, len(respondents) + 1)
            yield _line(
                (
                    row["meeting_id"],
                    row["meeting__starts_at"].astimezone(tz).strftime("%Y-%m"),
                    number,
                    row["question"],
                    row["value"],
                    row["answered_at"].astimezone(tz).date() if row["answered_at"] else None,
                )
            )
        if len(rows) < batch:
            return
        offset += batch
