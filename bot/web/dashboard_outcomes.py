"""The dashboard's page on movement and outcomes (`/dashboard/outcomes`) and its CSV: the
step at first vs latest meeting, the share now in steps 4-6, and the outcome answers beside
the national share. Scoped like every page; small groups are not shown (flows.outcomes)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from aiohttp import web

from bot.web.dashboard_auth import locale_of, login_required, staff_of
from bot.web.dashboard_login import not_logged_in
from bot.web.dashboard_params import survey_period
from bot.web.dashboard_render import link, render, team_zone
from bot.web.svg_charts import horizontal_bars, stacked_columns
from bot.web.web_input import read_form
from flows.care.audit import record_view
from flows.core.clock import clock
from flows.core.i18n import _, use_locale
from flows.outcomes import figures, ladder
from flows.staff import scope
from storage.models import StaffRole, Team

LOGGED_IN = login_required(not_logged_in)


async def _figures(request: web.Request) -> figures.Figures:
    tz = await team_zone(request)
    start, end = survey_period(request.query, clock.now().astimezone(tz).date())
    return await figures.figures(scope.for_staff(staff_of(request)), start, end, tz)


def _charts(found: figures.Figures, names: dict[int, str]) -> dict[str, object]:
    steps, outcomes = found.steps, found.outcomes
    charts: dict[str, object] = {}
    if not steps.suppressed:
        title = _("Steps at the first and the latest meeting")
        series = [
            (f"{s} · {names[s]}", [steps.first[s] or 0, steps.latest[s] or 0]) for s in ladder.STEPS
        ]
        columns = [_("First meeting"), _("Latest meeting")]
        charts["steps"] = stacked_columns(title, columns, series)
    if not outcomes.suppressed:
        bars = [(ladder.category(c), n) for c, n in outcomes.categories.items() if n is not None]
        charts["outcomes"] = horizontal_bars(_("What people do now"), bars, outcomes.answered)
    return charts


@LOGGED_IN
async def outcomes_page(request: web.Request) -> web.Response:
    staff = staff_of(request)
    found = await _figures(request)
    await record_view(staff, "outcomes", None)
    with use_locale(locale_of(request, staff)):
        names = await ladder.names(staff.team_id)
        charts = _charts(found, names)
        categories = [(ladder.category(c), n) for c, n in found.outcomes.categories.items()]
        few = _("fewer than {n}", n=figures.MIN_CELL)
        asked, answered = found.outcomes.asked, found.outcomes.answered
        asked_text = few if figures.shown(asked) is None else str(asked)
        answered_text = few if figures.shown(answered) is None else str(answered)
    period = {"from": found.start, "to": found.end}
    return render(
        request,
        "dashboard/outcomes.html",
        found=found,
        names=names,
        steps=ladder.STEPS,
        charts=charts,
        categories=categories,
        asked_text=asked_text,
        hidden_in_chart=None in [*found.steps.first.values(), *found.steps.latest.values()],
        answered_text=answered_text,
        min_cell=figures.MIN_CELL,
        national=ladder.NATIONAL_WORK_OR_STUDIES,
        may_rename=staff.role is StaffRole.ADMIN,
        request_lang=request.query.get("lang", ""),
        export_href=link(request, "/dashboard/export/outcomes.csv", **period),
    )


async def _lines(rows: list[tuple[str, str, object]]) -> AsyncIterator[str]:
    for row in [("measure", "key", "value"), *rows]:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(
            ["" if value is None else value for value in row]
        )
        yield buffer.getvalue()


@LOGGED_IN
async def export_outcomes(request: web.Request) -> web.StreamResponse:
    """Like the other exports: UTF-8 with a BOM for Excel, numbers and fixed keys only."""
    staff = staff_of(request)
    found = await _figures(request)
    await record_view(staff, "outcomes_csv", None, action="export")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="outcomes.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    await response.prepare(request)
    await response.write("\ufeff".encode())
    async for line in _lines(figures.csv_rows(found)):
        await response.write(line.encode())
    await response.write_eof()
    return response


@LOGGED_IN
async def rename_steps(request: web.Request) -> web.StreamResponse:
    """An admin gives their team's steps their own names (a blank one goes back to ours);
    the numbers stay 1-6."""
    staff = staff_of(request)
    if staff.role is not StaffRole.ADMIN:
        with use_locale(locale_of(request, staff)):
            heading, text = _("Step names"), _("Only an admin may rename the steps.")
        return render(request, "dashboard/message.html", 403, heading=heading, text=text)
    form = await read_form(request)
    team = await Team.get(id=staff.team_id)
    with use_locale(locale_of(request, staff)):
        current = await ladder.names(team.id)
        for step in ladder.STEPS:
            wanted = form.get(f"step{step}")
            if wanted is None or " ".join(wanted.split()) == current[step]:
                continue
            same = " ".join(wanted.split()) == ladder.default_name(step)
            await ladder.rename(team, step, "" if same else wanted, staff)
    await record_view(staff, "ladder_steps", team.id, action="update")
    return web.Response(status=303, headers={"Location": link(request, "/dashboard/outcomes")})


def add_outcome_routes(app: web.Application) -> None:
    app.router.add_get("/dashboard/outcomes", outcomes_page)
    app.router.add_post("/dashboard/outcomes/steps", rename_steps)
    app.router.add_get("/dashboard/export/outcomes.csv", export_outcomes)
