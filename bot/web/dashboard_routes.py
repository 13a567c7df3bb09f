"""The coordinator dashboard's pages: attention, meetings, one meeting, survey results,
and the CSV exports. Every handler reads the viewer's scope from the session; a meeting
outside it is a 404, the same as one that does not exist."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from bot.web.dashboard_auth import SESSION_KEY, locale_of, login_required, staff_of
from bot.web.dashboard_login import add_login_routes, not_logged_in
from bot.web.dashboard_outcomes import add_outcome_routes
from bot.web.dashboard_params import meeting_filters, survey_period
from bot.web.dashboard_render import link, render, stylesheet, team_zone
from bot.web.svg_charts import horizontal_bars, stacked_columns
from flows.care.audit import audit_trail, record_view
from flows.core import labels
from flows.core.clock import clock
from flows.core.i18n import _, use_locale
from flows.followup import dashboard_labels
from flows.followup.attention import attention
from flows.followup.exports import answers_csv, meetings_csv
from flows.followup.survey_stats import QUESTIONS, survey_stats
from flows.followup.timeline import timeline
from flows.meetings.meeting_list import meeting_page
from flows.outbox import team_settings
from flows.staff import scope
from storage.models import MeetingStatus, StaffRole, StaffUser

ATTENTION_ITEMS = 10
LOGGED_IN = login_required(not_logged_in)


@LOGGED_IN
async def attention_page(request: web.Request) -> web.Response:
    now = clock.now()
    found = await attention(
        scope.for_staff(staff_of(request)),
        now,
        now.astimezone(await team_zone(request)).date(),
        limit=ATTENTION_ITEMS,
    )
    return render(
        request, "dashboard/attention.html", attention=found, concern_text=dashboard_labels.concern
    )


async def _convenors(staff: StaffUser) -> list[StaffUser]:
    if staff.role is StaffRole.CONVENOR:
        return []
    query = StaffUser.filter(role__in=(StaffRole.CONVENOR, StaffRole.ADMIN))
    if staff.role is StaffRole.COORDINATOR:
        query = query.filter(team_id=staff.team_id)
    return await query.order_by("display_name").limit(500)


@LOGGED_IN
async def meetings_page(request: web.Request) -> web.Response:
    staff = staff_of(request)
    filters = meeting_filters(request.query, allow_convenor=staff.role is not StaffRole.CONVENOR)
    page = await meeting_page(scope.for_staff(staff), filters, await team_zone(request))
    params = {
        "convenor": filters.convenor_id,
        "status": filters.status.value if filters.status else None,
        "from": filters.start,
        "to": filters.end,
    }
    with use_locale(locale_of(request, staff)):
        statuses = [(s.value, labels.status(s)) for s in MeetingStatus]
    return render(
        request,
        "dashboard/meetings.html",
        page=page,
        filters=filters,
        statuses=statuses,
        convenors=await _convenors(staff),
        show_convenor=staff.role is not StaffRole.CONVENOR,
        status_text=labels.status,
        response_text=dashboard_labels.response,
        request_lang=request.query.get("lang", ""),
        export_href=link(request, "/dashboard/export/meetings.csv", **params),
        prev_href=link(request, "/dashboard/meetings", page=page.page - 1, **params),
        next_href=link(request, "/dashboard/meetings", page=page.page + 1, **params),
    )


@LOGGED_IN
async def meeting_detail(request: web.Request) -> web.Response:
    staff = staff_of(request)
    meeting_id = request.match_info["meeting_id"]
    meeting = await scope.for_staff(staff).meeting(int(meeting_id))
    if meeting is None:
        with use_locale(locale_of(request, staff)):
            heading, text = _("Meeting not found"), _("It does not exist, or it is not yours.")
        return render(request, "dashboard/message.html", 404, heading=heading, text=text)
    await record_view(staff, "meeting", meeting.id)
    with use_locale(locale_of(request, staff)):
        events = await timeline(meeting, clock.now())
    convenor = await meeting.convenor if meeting.convenor_id else None
    return render(
        request,
        "dashboard/meeting.html",
        meeting=meeting,
        events=events,
        convenor=convenor.display_name if convenor else None,
        status_text=labels.status,
    )


def _charts(stats) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    months = [m.label for m in stats.months]
    charts = []
    for key in QUESTIONS:
        if key == "could_say":
            values = [(str(v), v) for v in range(1, 6)]
        else:
            values = [(_("yes"), 1), (_("no / don't know"), 0)]
        series = [
            (name, [m.answers.get(key, {}).get(value, 0) for m in stats.months])
            for name, value in values
        ]
        title = dashboard_labels.question(key)
        charts.append({"title": title, "svg": stacked_columns(title, months, series)})
    title = _("Response rate")
    unanswered = [max(m.sent - m.answered, 0) for m in stats.months]
    rate = [(_("answered"), [m.answered for m in stats.months]), (_("not answered"), unanswered)]
    charts.append({"title": title, "svg": stacked_columns(title, months, rate)})
    return charts


@LOGGED_IN
async def survey_page(request: web.Request) -> web.Response:
    staff = staff_of(request)
    tz = await team_zone(request)
    start, end = survey_period(request.query, clock.now().astimezone(tz).date())
    stats = await survey_stats(scope.for_staff(staff), start, end, tz)
    with use_locale(locale_of(request, staff)):
        charts = _charts(stats)
        steps = {
            "informed": _("Informed"),
            "confirmed": _("Confirmed"),
            "held": _("Held"),
            "feedback_on_time": _("Feedback on time"),
            "survey_answered": _("Survey answered"),
        }
        funnel = horizontal_bars(
            _("From information to answer"),
            [(steps[key], n) for key, n in stats.funnel.steps()],
            stats.funnel.meetings,
        )
    return render(
        request,
        "dashboard/survey.html",
        stats=stats,
        charts=charts,
        funnel_svg=funnel,
        start=start,
        end=end,
        request_lang=request.query.get("lang", ""),
        export_href=link(request, "/dashboard/export/answers.csv", **{"from": start, "to": end}),
    )


async def _csv(request: web.Request, name: str, lines) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    await response.prepare(request)
    await response.write("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
    async for line in lines:
        await response.write(line.encode())
    await response.write_eof()
    return response


@LOGGED_IN
async def export_meetings(request: web.Request) -> web.StreamResponse:
    staff = staff_of(request)
    filters = meeting_filters(request.query, allow_convenor=staff.role is not StaffRole.CONVENOR)
    await record_view(staff, "meetings_csv", None, action="export")
    lines = meetings_csv(scope.for_staff(staff), replace(filters, page=1), await team_zone(request))
    return await _csv(request, "meetings.csv", lines)


@LOGGED_IN
async def export_answers(request: web.Request) -> web.StreamResponse:
    staff = staff_of(request)
    tz = await team_zone(request)
    start, end = survey_period(request.query, clock.now().astimezone(tz).date())
    await record_view(staff, "survey_answers_csv", None, action="export")
    lines = answers_csv(scope.for_staff(staff), start, end, tz)
    return await _csv(request, "survey-answers.csv", lines)


@LOGGED_IN
async def audit_page(request: web.Request) -> web.Response:
    """Read-only: no route in the product changes or deletes an audit event."""
    staff = staff_of(request)
    rows = await audit_trail(staff)
    if rows is None:
        with use_locale(locale_of(request, staff)):
            heading, text = _("Audit log"), _("Coordinators and admins read the audit log.")
        return render(request, "dashboard/message.html", 403, heading=heading, text=text)
    await record_view(staff, "audit_log", None)
    zone = (await team_settings.for_team(staff.team_id)).timezone
    return render(request, "dashboard/audit.html", rows=rows, zone=zone)


def add_dashboard_routes(app: web.Application) -> None:
    add_login_routes(app)
    app.router.add_get("/dashboard/dashboard.css", stylesheet)
    app.router.add_get("/dashboard", attention_page)
    app.router.add_get("/dashboard/meetings", meetings_page)
    app.router.add_get(r"/dashboard/meetings/{meeting_id:\d{1,9}}", meeting_detail)
    app.router.add_get("/dashboard/survey", survey_page)
    app.router.add_get("/dashboard/export/meetings.csv", export_meetings)
    app.router.add_get("/dashboard/export/answers.csv", export_answers)
    app.router.add_get("/dashboard/audit", audit_page)
    add_outcome_routes(app)


__all__ = ["SESSION_KEY", "add_dashboard_routes"]
