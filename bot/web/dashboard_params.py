"""Query parameters of the dashboard and the API, read strictly: a bad value is a 400."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web
from multidict import MultiMapping

from bot.web.web_input import whole_number
from flows.meetings.meeting_list import Filters
from storage.models import MeetingStatus

MAX_PAGE = 10_000


def parse_day(query: MultiMapping[str], key: str) -> date | None:
    raw = query.get(key, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{key} must be a date like 2027-03-08") from None


def parse_int(query: MultiMapping[str], key: str, default: int | None = None) -> int | None:
    raw = query.get(key, "")
    if not raw:
        return default
    number = whole_number(raw)
    if number is None or not 0 < number <= 2**31 - 1:
        raise web.HTTPBadRequest(text=f"{key} must be a positive whole number")
    return number


def meeting_filters(query: MultiMapping[str], allow_convenor: bool = True) -> Filters:
    status = query.get("status", "")
    if status and status not in {s.value for s in MeetingStatus}:
        raise web.HTTPBadRequest(text="unknown status")
    page = parse_int(query, "page", 1) or 1
    return Filters(
        convenor_id=parse_int(query, "convenor") if allow_convenor else None,
        status=MeetingStatus(status) if status else None,
        start=parse_day(query, "from"),
        end=parse_day(query, "to"),
        page=min(page, MAX_PAGE),
    )


def survey_period(query: MultiMapping[str], today: date) -> tuple[date, date]:
    """?from=&to=, by default the last six months; at most two years."""
    end = parse_day(query, "to") or today
    start = parse_day(query, "from") or (end - timedelta(days=182)).replace(day=1)
    if start > end:
        raise web.HTTPBadRequest(text="from must not be after to")
    return max(start, end - timedelta(days=731)), end
