"""The JSON API for teams' case-management systems: Bearer token, one team per token.

GET /api/meetings, GET /api/meetings/{id}, POST /api/meetings, GET /api/survey,
GET /api/outcomes; the
document at /api/openapi.json describes exactly these (a test compares them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from bot.web.api_schema import openapi_document
from bot.web.dashboard_params import meeting_filters, survey_period
from bot.web.web_input import read_json_object
from flows.core import limits
from flows.core.clock import clock
from flows.core.i18n import SUPPORTED
from flows.followup.survey_stats import survey_stats
from flows.meetings import meeting_intake
from flows.meetings.meeting_list import Row, meeting_page, meeting_row
from flows.outbox import team_settings
from flows.outcomes import figures
from flows.staff import api_tokens, scope
from storage.models import Agency, Attendee, AttendeeRole, MeetingKind, StaffUser
from storage.record_models import ApiToken

TOKEN_KEY = web.RequestKey("api_token", ApiToken)
Handler = Callable[[web.Request], Awaitable[web.Response]]


async def _team_tz(request: web.Request) -> ZoneInfo:
    """The token's team's time zone: its days and months in the lists and statistics."""
    return (await team_settings.for_team(request[TOKEN_KEY].team_id)).tz


def _error(status: int, message: str) -> web.Response:
    headers = {"WWW-Authenticate": 'Bearer realm="flerpart"'} if status == 401 else None
    return web.json_response({"error": message}, status=status, headers=headers)


def token_required(handler: Handler) -> Handler:
    async def checked(request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        row = await api_tokens.team_for(token.strip()) if scheme.lower() == "bearer" else None
        if row is None:
            return _error(401, "a valid Bearer token is required")
        request[TOKEN_KEY] = row
        try:
            return await handler(request)
        except web.HTTPBadRequest as bad:
            return _error(400, bad.text or "bad request")

    return checked


def _scope(request: web.Request) -> scope.Scope:
    return scope.for_team(request[TOKEN_KEY].team_id)


def _row(row: Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "starts_at": row.starts_at.isoformat() if row.starts_at else None,
        "timezone": row.timezone,
        "status": row.status.value,
        "convenor": row.convenor,
        "preparation": {"done": row.prep_done, "total": row.prep_total},
        "information": row.info,
        "people": row.seats,
        "confirmed": row.confirmed,
        "declined": row.declined,
        "person_in_focus_response": row.person_response,
        "feedback_due": row.feedback_due.isoformat() if row.feedback_due else None,
        "feedback_given_at": row.feedback_given_at.isoformat() if row.feedback_given_at else None,
        "survey": {"sent": row.survey_sent, "answered": row.survey_answered},
    }


@token_required
async def list_meetings(request: web.Request) -> web.Response:
    filters = meeting_filters(request.query)
    page = await meeting_page(_scope(request), filters, await _team_tz(request))
    return web.json_response(
        {"page": page.page, "has_next": page.has_next, "meetings": [_row(r) for r in page.rows]}
    )


@token_required
async def read_meeting(request: web.Request) -> web.Response:
    meeting_id = int(request.match_info["meeting_id"])
    row = await meeting_row(_scope(request), meeting_id)
    if row is None:
        return _error(404, "no such meeting")
    body = _row(row)
    seats = await Attendee.filter(meeting_id=row.id).values("role", "agency", "response")
    body["attendees"] = [
        {"role": str(s["role"]), "agency": str(s["agency"]), "response": str(s["response"])}
        for s in seats
    ]
    return web.json_response(body)


def _enum(kind: type, value: object, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise meeting_intake.IntakeError(f"{name} is not one of the allowed values") from None


def _whole_number(value: object, name: str) -> int:
    # bool is an int in Python, and "60" is not a number in JSON: both refused.
    if isinstance(value, bool) or not isinstance(value, int):
        raise meeting_intake.IntakeError(f"{name} must be a whole number")
    return value


def _text(item: dict[str, Any], name: str, limit: int, default: str = "") -> str:
    """A free-text field: a string within the bot's limit for it (flows.core.limits)."""
    value = item.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise meeting_intake.IntakeError(f"{name} must be a string")
    meeting_intake.check_length(name, value, limit)
    return value


def _language(value: object) -> str:
    if value not in SUPPORTED:
        raise meeting_intake.IntakeError("language is not one of the allowed values")
    return str(value)


def _zone(body: dict[str, Any], team_zone: str) -> str:
    zone = _text(body, "timezone", limits.TIMEZONE) or team_zone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: not a file name
        raise meeting_intake.IntakeError("timezone is unknown") from None
    return zone


def _new_meeting(body: dict[str, Any], team_zone: str) -> meeting_intake.NewMeeting:
    zone = _zone(body, team_zone)
    try:
        starts_at = datetime.fromisoformat(str(body["starts_at"]))
    except (KeyError, ValueError):
        raise meeting_intake.IntakeError("starts_at must be an ISO 8601 time") from None
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=ZoneInfo(zone))
    attendees = body.get("attendees") or []
    if not isinstance(attendees, list) or not all(isinstance(a, dict) for a in attendees):
        raise meeting_intake.IntakeError("attendees must be a list of objects")
    return meeting_intake.NewMeeting(
        purpose=_text(body, "purpose", limits.PURPOSE),
        starts_at=starts_at,
        minutes=_whole_number(body.get("minutes", 60), "minutes"),
        kind=_enum(MeetingKind, body.get("kind", "first"), "kind"),
        place=_text(body, "place", limits.PLACE),
        timezone=zone,
        convenor_id=body.get("convenor_id") if isinstance(body.get("convenor_id"), int) else None,
        attendees=tuple(
            meeting_intake.NewAttendee(
                first_name=_text(a, "first_name", limits.FIRST_NAME),
                role=_enum(AttendeeRole, a.get("role"), "role"),
                agency=_enum(Agency, a.get("agency", "none"), "agency"),
                why=_text(a, "why", limits.WHY),
                phone=_text(a, "phone", limits.PHONE) or None,
                language=_language(a.get("language") or "sv"),
            )
            for a in attendees
        ),
    )


@token_required
async def create_meeting(request: web.Request) -> web.Response:
    try:
        body = await read_json_object(request)
    except web.HTTPBadRequest:
        return _error(400, "expected a JSON object")
    token = request[TOKEN_KEY]
    team_zone = (await team_settings.for_team(token.team_id)).timezone
    try:
        meeting = await meeting_intake.create(
            token.team_id, _new_meeting(body, team_zone), clock.now(), token.id
        )
    except (meeting_intake.IntakeError, TypeError) as problem:
        return _error(422, str(problem))
    convenor = await StaffUser.get_or_none(id=meeting.convenor_id) if meeting.convenor_id else None
    return web.json_response(
        {"id": meeting.id, "status": meeting.status.value, "convenor": convenor and convenor.id},
        status=201,
    )


@token_required
async def survey(request: web.Request) -> web.Response:
    tz = await _team_tz(request)
    start, end = survey_period(request.query, clock.now().astimezone(tz).date())
    stats = await survey_stats(_scope(request), start, end, tz)
    return web.json_response(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "sent": stats.sent,
            "answered": stats.answered,
            "months": [
                {
                    "month": m.label,
                    "sent": m.sent,
                    "answered": m.answered,
                    "answers": {
                        question: {str(value): n for value, n in counts.items()}
                        for question, counts in m.answers.items()
                    },
                }
                for m in stats.months
            ],
            "funnel": {"meetings": stats.funnel.meetings, **dict(stats.funnel.steps())},
        }
    )


@token_required
async def outcomes(request: web.Request) -> web.Response:
    tz = await _team_tz(request)
    start, end = survey_period(request.query, clock.now().astimezone(tz).date())
    found = await figures.figures(_scope(request), start, end, tz)
    return web.json_response(figures.as_json(found))


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def add_api_routes(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/api/meetings", list_meetings)
    app.router.add_post("/api/meetings", create_meeting)
    app.router.add_get(r"/api/meetings/{meeting_id:\d{1,9}}", read_meeting)
    app.router.add_get("/api/survey", survey)
    app.router.add_get("/api/outcomes", outcomes)
    # Anything else under /api answers in JSON too (a client parses every reply).
    app.router.add_route("*", "/api/{tail:.*}", not_found)


async def not_found(request: web.Request) -> web.Response:
    return _error(404, "no such API route")
