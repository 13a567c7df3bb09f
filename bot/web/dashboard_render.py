"""Rendering for the dashboard: the shared Jinja environment, its headers, small helpers.

Unlike the participant page, the dashboard posts forms (to itself only) and carries
a session, so its policy allows `form-action 'self'`; scripts stay forbidden.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.web.dashboard_auth import SESSION_KEY, csrf_field, locale_of, staff_of
from bot.web.info_routes import TEMPLATES_DIR, environment
from bot.web.security_headers import with_policy
from flows.core.i18n import use_locale
from flows.outbox import team_settings

# Styles from our own stylesheet only: no inline style, no remote file.
HEADERS = with_policy(
    "default-src 'none'; style-src 'self'; img-src data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


async def team_zone(request: web.Request) -> ZoneInfo:
    """The viewer's team's time zone: the dashboard's days, months and audit times."""
    return (await team_settings.for_team(staff_of(request).team_id)).tz


def local_time(moment: datetime | None, zone: str) -> str:
    """The moment as a wall clock in `zone`: a meeting's own, or the viewer's team's."""
    if moment is None:
        return "–"
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def day(value: date | datetime | None, zone: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return local_time(value, zone)
    return value.isoformat()


def link(request: web.Request, path: str, **params: object) -> str:
    """A dashboard URL that keeps an explicit ?lang=."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if request.query.get("lang"):
        query["lang"] = request.query["lang"]
    return path + ("?" + urlencode(query) if query else "")


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    session = request.get(SESSION_KEY)
    staff = session.staff_user if session else None
    locale = locale_of(request, staff)
    with use_locale(locale):  # flows' _() in the context's labels read this
        html = (
            environment(locale)
            .get_template(template)
            .render(
                locale=locale,
                direction="ltr",
                staff=staff,
                csrf=csrf_field(session) if session else "",
                link=lambda path, **params: link(request, path, **params),
                local_time=local_time,
                day=day,
                **context,
            )
        )
    return web.Response(text=html, status=status, content_type="text/html", headers=HEADERS)


STYLESHEET = (TEMPLATES_DIR / "dashboard" / "dashboard.css").read_text(encoding="utf-8")


async def stylesheet(request: web.Request) -> web.Response:
    """The dashboard's one stylesheet: public (it holds no data), revalidated on each load."""
    return web.Response(
        text=STYLESHEET, content_type="text/css", headers={"Cache-Control": "no-cache"}
    )
